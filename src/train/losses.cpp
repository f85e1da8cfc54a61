#include "train/losses.hpp"

#include <ATen/ATen.h>

#include "core/error.hpp"
#include "model/causal_lm.hpp"

namespace sppo {

at::Tensor response_logp(const at::Tensor& logits, const at::Tensor& ids, const at::Tensor& mask,
                         const at::Tensor& response_start) {
  return (token_logprobs(logits, ids) * counted_positions(mask, response_start).to(at::kFloat)).sum(1);
}

at::Tensor counted_positions(const at::Tensor& mask, const at::Tensor& response_start) {
  const at::Tensor t = at::arange(mask.size(1), mask.options().dtype(at::kLong)).unsqueeze(0);
  return (t >= response_start.to(at::kLong).unsqueeze(1)) & mask.to(at::kBool);
}

const LossProperties& loss_properties(LossKind loss) {
  using D = LossDenominator;
  using T = RowTarget;
  // clang-format off
  //                                      rows  denominator  per-row  reference  target               samples  JSONL
  static const LossProperties sppo        {2,   D::rows,     true,    true,      T::own_winrate,      true,    true};
  static const LossProperties sppo_single {2,   D::rows,     true,    true,      T::pair_probability, true,    true};
  static const LossProperties sppo_all    {1,   D::rows,     true,    true,      T::own_winrate,      true,    true};
  static const LossProperties dpo         {2,   D::pairs,    false,   true,      T::none,             true,    true};
  static const LossProperties ipo         {2,   D::pairs,    false,   true,      T::none,             true,    true};
  static const LossProperties sft         {1,   D::tokens,   true,    false,     T::none,             false,   true};
  // clang-format on
  switch (loss) {
    case LossKind::sppo: return sppo;
    case LossKind::sppo_single: return sppo_single;
    case LossKind::sppo_all: return sppo_all;
    case LossKind::dpo: return dpo;
    case LossKind::ipo: return ipo;
    case LossKind::sft: return sft;
  }
  throw Error("unknown loss");
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
