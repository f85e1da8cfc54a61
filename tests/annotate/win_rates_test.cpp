#include "annotate/win_rates.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace sppo {
namespace {

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

TEST(WinRates, ScoreAggregationByHand) {
  // K = 3. M[i][j]: logit that i beats j.
  const float M[9] = {0, 2, 1,   //
                      -1, 0, 0,  //
                      0, 3, 0};
  // s_i = (1/3) Σ_j (M[i][j] − M[j][i])
  const double s0 = (0 + (2 - -1) + (1 - 0)) / 3.0, s1 = ((-1 - 2) + 0 + (0 - 3)) / 3.0, s2 = ((0 - 1) + (3 - 0) + 0) / 3.0;
  const auto s = pairrm_scores(M, 3);
  EXPECT_NEAR(s[0], s0, 1e-12);
  EXPECT_NEAR(s[1], s1, 1e-12);
  EXPECT_NEAR(s[2], s2, 1e-12);
  const auto w = win_rates(M, 3, WinrateMode::score);
  EXPECT_NEAR(w[0], (0.5 + sigmoid(s0 - s1) + sigmoid(s0 - s2)) / 3, 1e-6);
  EXPECT_NEAR(w[1], (sigmoid(s1 - s0) + 0.5 + sigmoid(s1 - s2)) / 3, 1e-6);
  EXPECT_NEAR(w[0] + w[1] + w[2], 1.5, 1e-6) << "P[i,j] + P[j,i] = 1 and P[i,i] = ½: the rates sum to K/2";
}

TEST(WinRates, DirectAggregationIgnoresTheOtherCandidates) {
  const float M[9] = {0, 2, 1, -1, 0, 0, 0, 3, 0};
  const auto w = win_rates(M, 3, WinrateMode::direct);
  EXPECT_NEAR(w[0], (0.5 + sigmoid((2 - -1) / 2.0) + sigmoid((1 - 0) / 2.0)) / 3, 1e-6);
  EXPECT_NEAR(w[0] + w[1] + w[2], 1.5, 1e-6);
  // Changing how 1 and 2 compare does not move candidate 0's direct rate.
  const float M2[9] = {0, 2, 1, -1, 0, 5, 0, -4, 0};
  EXPECT_FLOAT_EQ(win_rates(M2, 3, WinrateMode::direct)[0], w[0]);
  EXPECT_NE(win_rates(M2, 3, WinrateMode::score)[0], win_rates(M, 3, WinrateMode::score)[0]);
}

TEST(WinRates, EqualResponsesGetOneHalf) {
  const float M[4] = {0, 0.7f, 0.7f, 0};
  for (auto mode : {WinrateMode::score, WinrateMode::direct})
    for (float w : win_rates(M, 2, mode)) EXPECT_FLOAT_EQ(w, 0.5f);
}

TEST(WinRates, PairProbabilityIsOneTermOfTheWinRate) {
  const float M[9] = {0, 2, 1, -1, 0, 0, 0, 3, 0};
  EXPECT_NEAR(direct_pair_probability(2, -1), sigmoid((2 - -1) / 2.0), 1e-15);
  EXPECT_NEAR(direct_pair_probability(2, -1) + direct_pair_probability(-1, 2), 1.0, 1e-15);
  for (auto mode : {WinrateMode::score, WinrateMode::direct}) {
    const auto s = pairrm_scores(M, 3);
    const auto w = win_rates(M, 3, mode);
    for (int64_t i = 0; i < 3; ++i) {
      EXPECT_EQ(pair_probability(M, 3, s, i, i, mode), 0.5);
      double total = 0;
      for (int64_t j = 0; j < 3; ++j) total += pair_probability(M, 3, s, i, j, mode);
      EXPECT_NEAR(total / 3, w[static_cast<std::size_t>(i)], 1e-6);
    }
  }
  const auto s = pairrm_scores(M, 3);
  EXPECT_NEAR(pair_probability(M, 3, s, 0, 1, WinrateMode::score), sigmoid(s[0] - s[1]), 1e-15);
  EXPECT_NEAR(pair_probability(M, 3, s, 0, 1, WinrateMode::direct), sigmoid((2 - -1) / 2.0), 1e-15);
}

}  // namespace
}  // namespace sppo
