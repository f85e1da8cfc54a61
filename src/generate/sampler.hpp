#pragma once
// defines: SamplingParams and sample_tokens, one decoding step's choice of token per row
// from its logits and its own uniform draw (SPEC.md §1).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace sppo {

struct SamplingParams {
  double temperature = 0.7;  // 0: greedy
  double top_p = 0.9;        // (0, 1]
  int64_t top_k = 0;         // 0: off
  int64_t max_new_tokens = 2048;
  bool stop_at_eos = true;
  // The ids a response ends at (generation_config.json's eos_token_id); empty: the model's EOS.
  std::vector<int32_t> stop_ids;
};

// logits [B, V] float32, one uniform in [0, 1) per row -> token ids [B] int64.
// Greedy (temperature 0): argmax, the lowest id among equal maxima. Otherwise: softmax of
// logits / temperature; keep the top_k most probable (if top_k > 0); sort descending and
// keep the smallest prefix whose mass reaches top_p (always at least one token);
// renormalise; pick by inverse CDF at u.
// On the CPU, per row: one pass sums the probability mass per magnitude bucket, and the
// weighted selections run only within the bucket where top_p (and then u) is reached (no sort
// of the vocabulary; top_k > 0 selects the k first); elsewhere (a GPU):
// sample_tokens_sorted, on the logits' device. The result is on the logits' device.
at::Tensor sample_tokens(const at::Tensor& logits, const std::vector<double>& uniforms, const SamplingParams& params);

// The same rule as tensor operations that stay on the logits' device: a stable descending
// sort, cumulative sums in float64, and counts instead of searches. It picks what
// sample_tokens' CPU path picks except where float64 sums taken in another order round
// across a boundary.
at::Tensor sample_tokens_sorted(const at::Tensor& logits, const std::vector<double>& uniforms,
                                const SamplingParams& params);

}  // namespace sppo
