#pragma once
// defines: the losses of SPEC.md §2 on sequence log-probabilities, and LossProperties, the one
// table of what each loss needs and how it is averaged, which the training set, the step plan,
// the FSDP step and the trainer ask instead of switching over LossKind. A batch's rows come as
// examples: a (chosen, rejected) pair is two adjacent rows for sppo, sppo_single, dpo and ipo;
// one row for sppo_all and sft.
#include <ATen/core/Tensor.h>

#include "core/config.hpp"

namespace sppo {

// What Σ terms is divided by over the global batch.
enum class LossDenominator { rows, pairs, tokens };

// The win probability p a row's target (p − ½)/β is built from.
enum class RowTarget {
  own_winrate,       // the response's own win rate (sppo, sppo_all)
  pair_probability,  // chosen: P[w,l], rejected: 1 − P[w,l] (sppo_single)
  none,              // the loss has no target (dpo, ipo, sft)
};

struct LossProperties {
  int64_t rows_per_example;     // 2: a (chosen, rejected) pair of adjacent rows
  LossDenominator denominator;
  bool per_row_terms;           // one loss term per row (else one per pair)
  bool needs_reference;         // uses log π_ref(y|x)
  RowTarget target;
  bool from_samples;            // trainable from a samples.h5 (self-play)
  bool from_jsonl;              // trainable from a JSONL (pairs, samples with win rates, or demonstrations)
};

const LossProperties& loss_properties(LossKind loss);

// Σ log π(y|x) over response tokens: positions t >= response_start with mask 1 (the EOS
// included when present, the prompt never). logits [B, L, V], ids/mask [B, L],
// response_start [B] -> [B] float32, differentiable in `logits`.
at::Tensor response_logp(const at::Tensor& logits, const at::Tensor& ids, const at::Tensor& mask,
                         const at::Tensor& response_start);
// The positions that rule counts: t >= response_start and mask 1. mask [B, L], response_start
// [B] -> [B, L] bool.
at::Tensor counted_positions(const at::Tensor& mask, const at::Tensor& response_start);

// The loss terms of a batch. `logp`, `ref_logp`, `win_prob` are [B]; the result is one term
// per example ([B] or [B/2]), and the loss is Σ terms / (the global count of the loss's
// denominator) with
//   sppo, sppo_single, sppo_all:  term = (a(y) − (p − ½)/β)² per row, over rows
//       (a = logp − ref_logp; sppo_single's rejected row carries p = 1 − P[w,l], which
//        gives its (a_l + (P[w,l] − ½)/β)²; the mean over the rows of pairs is ½ Σ per pair)
//   dpo:  −log σ(β (a_w − a_l)) per pair, over pairs
//   ipo:  (a_w − a_l − 1/(2β))² per pair, over pairs
//   sft:  −logp per row, over response tokens (the mean token negative log-likelihood)
at::Tensor loss_terms(LossKind loss, const at::Tensor& logp, const at::Tensor& ref_logp, const at::Tensor& win_prob,
                      double beta);

}  // namespace sppo
