#pragma once
// defines: the per-row SPPO objective of SPEC.md §2 on sequence log-probabilities.
#include <ATen/core/Tensor.h>

namespace sppo {

// Σ log π(y|x) over response tokens: positions t >= response_start with mask 1 (the EOS
// included when present, the prompt never). logits [B, L, V], ids/mask [B, L],
// response_start [B] -> [B] float32, differentiable in `logits`.
at::Tensor response_logp(const at::Tensor& logits, const at::Tensor& ids, const at::Tensor& mask,
                         const at::Tensor& response_start);

// The per-sample SPPO term (a(y) − (p − ½)/β)², a(y) = log π_θ(y|x) − log π_ref(y|x):
// summed over the chosen and rejected rows of a batch and divided by their count it is the
// `sppo` loss over pairs; over every sample it is `sppo_all`. All [B] float32.
at::Tensor sppo_terms(const at::Tensor& logp, const at::Tensor& ref_logp, const at::Tensor& win_prob, double beta);

}  // namespace sppo
