#include "pipeline/nash.hpp"

#include <gtest/gtest.h>

namespace sppo {
namespace {

TEST(Nash, RockPaperScissorsIsUniform) {
  const Matrix P = {{0.5, 0.0, 1.0}, {1.0, 0.5, 0.0}, {0.0, 1.0, 0.5}};
  const auto p = von_neumann_winner(P);
  for (double v : p) EXPECT_NEAR(v, 1.0 / 3, 1e-9);
  EXPECT_NEAR(exploitability(p, P), 0.0, 1e-9);
  EXPECT_NEAR(exploitability({1, 0, 0}, P), 0.5, 1e-12);  // paper always beats pure rock
}

TEST(Nash, SkewedCycleByHand) {
  // A = P − ½ with a = A[r][s] = 0.4, b = A[s][p] = 0.1, c = A[p][r] = 0.2: p ∝ (b, a, c).
  const Matrix P = {{0.5, 0.3, 0.9}, {0.7, 0.5, 0.4}, {0.1, 0.6, 0.5}};
  const auto p = von_neumann_winner(P);
  EXPECT_NEAR(p[0], 1.0 / 7, 1e-9);
  EXPECT_NEAR(p[1], 4.0 / 7, 1e-9);
  EXPECT_NEAR(p[2], 2.0 / 7, 1e-9);
  EXPECT_NEAR(exploitability({1.0 / 3, 1.0 / 3, 1.0 / 3}, P), 0.2 / 3, 1e-12);
}

TEST(Nash, DominatedAnswerGetsNoMass) {
  // Answer 2 loses to both others: the winner is the 2x2 game's, answer 2 at 0.
  const Matrix P = {{0.5, 0.5, 0.8}, {0.5, 0.5, 0.9}, {0.2, 0.1, 0.5}};
  const auto p = von_neumann_winner(P);
  EXPECT_LT(p[2], 1e-3);
  EXPECT_LT(exploitability(p, P), 1e-3);
}

}  // namespace
}  // namespace sppo
