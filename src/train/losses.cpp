#include "train/losses.hpp"

#include <ATen/ATen.h>

#include "model/causal_lm.hpp"

namespace sppo {

at::Tensor response_logp(const at::Tensor& logits, const at::Tensor& ids, const at::Tensor& mask,
                         const at::Tensor& response_start) {
  const at::Tensor t = at::arange(ids.size(1), at::kLong).unsqueeze(0);
  const at::Tensor counted = (t >= response_start.unsqueeze(1)) & mask.to(at::kBool);
  return (token_logprobs(logits, ids) * counted.to(at::kFloat)).sum(1);
}

at::Tensor sppo_terms(const at::Tensor& logp, const at::Tensor& ref_logp, const at::Tensor& win_prob, double beta) {
  return (logp - ref_logp - (win_prob - 0.5) / beta).pow(2);
}

}  // namespace sppo
