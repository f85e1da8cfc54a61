#include "train/losses.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

namespace sppo {
namespace {

TEST(Losses, EachFormulaByHand) {
  // Two pairs: rows (w0, l0, w1, l1).
  const at::Tensor logp = at::tensor({-10.0f, -12.0f, -7.0f, -9.5f});
  const at::Tensor ref = at::tensor({-10.5f, -11.0f, -7.0f, -9.0f});  // a = (0.5, -1, 0, -0.5)
  const at::Tensor p = at::tensor({0.7f, 0.3f, 0.6f, 0.4f});
  const double beta = 0.5;
  const at::Tensor sppo = loss_terms(LossKind::sppo, logp, ref, p, beta);
  EXPECT_NEAR(sppo[0].item<double>(), std::pow(0.5 - 0.2 / 0.5, 2), 1e-6);
  EXPECT_NEAR(sppo[1].item<double>(), std::pow(-1.0 + 0.2 / 0.5, 2), 1e-6);
  const at::Tensor dpo = loss_terms(LossKind::dpo, logp, ref, p, beta);
  ASSERT_EQ(dpo.numel(), 2);
  EXPECT_NEAR(dpo[0].item<double>(), -std::log(1 / (1 + std::exp(-beta * (0.5 - -1.0)))), 1e-6);
  EXPECT_NEAR(dpo[1].item<double>(), -std::log(1 / (1 + std::exp(-beta * (0.0 - -0.5)))), 1e-6);
  const at::Tensor ipo = loss_terms(LossKind::ipo, logp, ref, p, beta);
  EXPECT_NEAR(ipo[0].item<double>(), std::pow(1.5 - 1.0, 2), 1e-6);
  const at::Tensor sft = loss_terms(LossKind::sft, logp, ref, p, beta);
  EXPECT_NEAR(sft[3].item<double>(), 9.5, 1e-6);
  // sppo_single: the rejected row carries 1 − P[w,l], so its term is (a_l + (P[w,l] − ½)/β)².
  const at::Tensor single = loss_terms(LossKind::sppo_single, logp, ref, at::tensor({0.8f, 0.2f, 0.8f, 0.2f}), beta);
  EXPECT_NEAR(single[1].item<double>(), std::pow(-1.0 + (0.8 - 0.5) / beta, 2), 1e-6);
}

// The table the training set, the step plan and the FSDP step read (SPEC.md §2).
TEST(Losses, PropertiesOfEveryLoss) {
  struct Row {
    LossKind loss;
    int64_t rows;
    LossDenominator denominator;
    bool per_row, reference;
    RowTarget target;
    bool samples, jsonl;
  };
  using D = LossDenominator;
  using T = RowTarget;
  const Row table[] = {{LossKind::sppo, 2, D::rows, true, true, T::own_winrate, true, true},
                       {LossKind::sppo_single, 2, D::rows, true, true, T::pair_probability, true, true},
                       {LossKind::sppo_all, 1, D::rows, true, true, T::own_winrate, true, true},
                       {LossKind::dpo, 2, D::pairs, false, true, T::none, true, true},
                       {LossKind::ipo, 2, D::pairs, false, true, T::none, true, true},
                       {LossKind::sft, 1, D::tokens, true, false, T::none, false, true}};
  for (const Row& r : table) {
    SCOPED_TRACE(to_string(r.loss));
    const LossProperties& p = loss_properties(r.loss);
    EXPECT_EQ(p.rows_per_example, r.rows);
    EXPECT_EQ(p.denominator, r.denominator);
    EXPECT_EQ(p.per_row_terms, r.per_row);
    EXPECT_EQ(p.needs_reference, r.reference);
    EXPECT_EQ(p.target, r.target);
    EXPECT_EQ(p.from_samples, r.samples);
    EXPECT_EQ(p.from_jsonl, r.jsonl);
    // One term per row or per pair, as the loss's terms come out.
    const at::Tensor logp = at::zeros({4}), ref = at::zeros({4}), p_win = at::full({4}, 0.5f);
    EXPECT_EQ(loss_terms(r.loss, logp, ref, p_win, 0.1).size(0), r.per_row ? 4 : 4 / r.rows);
  }
}

}  // namespace
}  // namespace sppo
