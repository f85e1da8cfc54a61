#include "train/losses.hpp"

#include <ATen/ATen.h>

#include "core/error.hpp"
#include "model/causal_lm.hpp"

namespace sppo {

at::Tensor response_logp(const at::Tensor& logits, const at::Tensor& ids, const at::Tensor& mask,
                         const at::Tensor& response_start) {
  const at::Tensor t = at::arange(ids.size(1), at::kLong).unsqueeze(0);
  const at::Tensor counted = (t >= response_start.unsqueeze(1)) & mask.to(at::kBool);
  return (token_logprobs(logits, ids) * counted.to(at::kFloat)).sum(1);
}

int64_t rows_per_example(LossKind loss) {
  return loss == LossKind::sppo_all || loss == LossKind::sft ? 1 : 2;
}

LossDenominator loss_denominator(LossKind loss) {
  switch (loss) {
    case LossKind::dpo:
    case LossKind::ipo: return LossDenominator::pairs;
    case LossKind::sft: return LossDenominator::tokens;
    default: return LossDenominator::rows;
  }
}

at::Tensor loss_terms(LossKind loss, const at::Tensor& logp, const at::Tensor& ref_logp, const at::Tensor& win_prob,
                      double beta) {
  const at::Tensor a = logp - ref_logp;  // log-ratio a(y) = log π_θ(y|x) − log π_ref(y|x)
  switch (loss) {
    case LossKind::sppo:
    case LossKind::sppo_single:
    case LossKind::sppo_all: return (a - (win_prob - 0.5) / beta).pow(2);
    case LossKind::dpo: {
      const at::Tensor pairs = a.view({-1, 2});  // [chosen, rejected]
      return -at::log_sigmoid(beta * (pairs.select(1, 0) - pairs.select(1, 1)));
    }
    case LossKind::ipo: {
      const at::Tensor pairs = a.view({-1, 2});
      return (pairs.select(1, 0) - pairs.select(1, 1) - 1.0 / (2.0 * beta)).pow(2);
    }
    case LossKind::sft: return -logp;
  }
  throw Error("unknown loss");
}

}  // namespace sppo
