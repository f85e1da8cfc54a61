#pragma once
// defines: the losses of SPEC.md §2 on sequence log-probabilities. A batch's rows come as
// examples: a (chosen, rejected) pair is two adjacent rows for sppo, sppo_single, dpo and
// ipo; one row for sppo_all and sft.
#include <ATen/core/Tensor.h>

#include "core/config.hpp"

namespace sppo {

// Σ log π(y|x) over response tokens: positions t >= response_start with mask 1 (the EOS
// included when present, the prompt never). logits [B, L, V], ids/mask [B, L],
// response_start [B] -> [B] float32, differentiable in `logits`.
at::Tensor response_logp(const at::Tensor& logits, const at::Tensor& ids, const at::Tensor& mask,
                         const at::Tensor& response_start);

// Rows per example of a loss (2 for the pair losses).
int64_t rows_per_example(LossKind loss);

// The loss terms of a batch and what they are averaged over. `logp`, `ref_logp`, `win_prob`,
// `tokens` (response tokens per row) are [B]; the result is one term per example ([B] or
// [B/2]), and the loss is Σ terms / (global count of `denominator`) with
//   sppo, sppo_single, sppo_all:  term = (a(y) − (p − ½)/β)² per row, over rows
//       (a = logp − ref_logp; sppo_single's rejected row carries p = 1 − P[w,l], which
//        gives its (a_l + (P[w,l] − ½)/β)²; the mean over the rows of pairs is ½ Σ per pair)
//   dpo:  −log σ(β (a_w − a_l)) per pair, over pairs
//   ipo:  (a_w − a_l − 1/(2β))² per pair, over pairs
//   sft:  −logp per row, over response tokens (the mean token negative log-likelihood)
at::Tensor loss_terms(LossKind loss, const at::Tensor& logp, const at::Tensor& ref_logp, const at::Tensor& win_prob,
                      double beta);

enum class LossDenominator { rows, pairs, tokens };
LossDenominator loss_denominator(LossKind loss);

}  // namespace sppo
