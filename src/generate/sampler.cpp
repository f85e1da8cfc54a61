#include "generate/sampler.hpp"

#include <ATen/ATen.h>

#include "core/error.hpp"

namespace sppo {

at::Tensor sample_tokens(const at::Tensor& logits, const std::vector<double>& uniforms, const SamplingParams& params) {
  const int64_t rows = logits.size(0), vocab = logits.size(1);
  if (static_cast<int64_t>(uniforms.size()) != rows)
    throw Error("sample_tokens: expected " + std::to_string(rows) + " uniforms, got " + std::to_string(uniforms.size()));
  if (params.temperature <= 0) return logits.argmax(-1);

  at::Tensor probs = at::softmax(logits.to(at::kFloat) / params.temperature, -1);
  // Only the top candidates can matter: the top_k, or the prefix reaching top_p, which for
  // peaked distributions is short. Try a cheap topk first and fall back to a full sort when
  // some row's mass does not reach top_p inside it.
  int64_t candidates = params.top_k > 0 ? std::min(params.top_k, vocab) : std::min<int64_t>(vocab, 256);
  at::Tensor sorted, index;
  while (true) {
    std::tie(sorted, index) = probs.topk(candidates, -1, /*largest=*/true, /*sorted=*/true);
    if (params.top_k > 0 || candidates == vocab) break;
    if (sorted.sum(-1).min().item<float>() >= params.top_p) break;
    candidates = std::min(vocab, candidates * 8);
  }
  sorted = sorted.to(at::kDouble).contiguous();
  index = index.contiguous();
  at::Tensor tokens = at::empty({rows}, at::kLong);
  const double* p = sorted.data_ptr<double>();
  const int64_t* ids = index.data_ptr<int64_t>();
  int64_t* out = tokens.data_ptr<int64_t>();
  for (int64_t r = 0; r < rows; ++r) {
    const double* row = p + r * candidates;
    // Smallest prefix whose mass reaches top_p: keep token i while the mass before it is < p.
    int64_t keep = 0;
    double mass = 0;
    while (keep < candidates && (keep == 0 || mass < params.top_p)) mass += row[keep++];
    // Inverse CDF over the kept, renormalised mass.
    const double target = uniforms[static_cast<std::size_t>(r)] * mass;
    double cumulative = 0;
    int64_t choice = keep - 1;
    for (int64_t i = 0; i < keep; ++i) {
      cumulative += row[i];
      if (target < cumulative) {
        choice = i;
        break;
      }
    }
    out[r] = ids[r * candidates + choice];
  }
  return tokens;
}

}  // namespace sppo
