#include "core/wall_time.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace sppo {
namespace {

TEST(WallTime, SecondsSinceCountsTheTimeThatPassed) {
  const auto start = WallClock::now();
  EXPECT_GE(seconds_since(start), 0.0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_GE(seconds_since(start), 0.02);  // a sleep lasts at least as long as asked
  EXPECT_LT(seconds_since(WallClock::now() + std::chrono::hours(1)), 0.0) << "a start in the future is negative";
}

}  // namespace
}  // namespace sppo
