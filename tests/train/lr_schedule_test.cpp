#include "train/lr_schedule.hpp"

#include <gtest/gtest.h>

namespace sppo {
namespace {

TEST(LrSchedule, LinearWarmupThenLinearDecayAsHuggingFace) {
  // 20 steps, ratio 0.1: 2 warm-up steps; lr(0) = 0, lr(1) = 0.5, lr(2) = 1, then down to 0.
  EXPECT_EQ(warmup_steps(20, 0.1), 2);
  EXPECT_EQ(warmup_steps(21, 0.1), 3);  // ceil
  EXPECT_DOUBLE_EQ(linear_schedule_lr(1.0, 0, 20, 0.1), 0.0);
  EXPECT_DOUBLE_EQ(linear_schedule_lr(1.0, 1, 20, 0.1), 0.5);
  EXPECT_DOUBLE_EQ(linear_schedule_lr(1.0, 2, 20, 0.1), 1.0);
  EXPECT_DOUBLE_EQ(linear_schedule_lr(1.0, 11, 20, 0.1), 0.5);
  EXPECT_DOUBLE_EQ(linear_schedule_lr(1.0, 20, 20, 0.1), 0.0);
  EXPECT_DOUBLE_EQ(linear_schedule_lr(2.0, 0, 10, 0.0), 2.0) << "no warm-up: full lr at once";
  EXPECT_DOUBLE_EQ(linear_schedule_lr(2.0, 5, 10, 0.0), 1.0);
}

}  // namespace
}  // namespace sppo
