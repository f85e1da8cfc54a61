#include "pipeline/win_rate_summary.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace sppo {
namespace {

TEST(WinRateSummary, MeanIntervalAndCounts) {
  const WinRate w = summarize_win_rate({0.9, 0.5, 0.2, 0.8});
  EXPECT_EQ(w.prompts, 4);
  EXPECT_NEAR(w.mean, 0.6, 1e-12);
  // s² = ((0.3)² + (0.1)² + (0.4)² + (0.2)²) / 3 = 0.1
  EXPECT_NEAR(w.high - w.mean, 1.96 * std::sqrt(0.1) / 2, 1e-12);
  EXPECT_NEAR(w.mean - w.low, 1.96 * std::sqrt(0.1) / 2, 1e-12);
  EXPECT_EQ(w.wins, 2);
  EXPECT_EQ(w.ties, 1);
  EXPECT_EQ(w.losses, 1);
  const WinRate clamp = summarize_win_rate({1.0, 0.0});
  EXPECT_GE(clamp.low, 0.0);
  EXPECT_LE(clamp.high, 1.0);
  EXPECT_EQ(summarize_win_rate({}).prompts, 0);
}

}  // namespace
}  // namespace sppo
