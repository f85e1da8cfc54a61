#include "train/lr_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace sppo {

int64_t warmup_steps(int64_t total_steps, double warmup_ratio) {
  return static_cast<int64_t>(std::ceil(static_cast<double>(total_steps) * warmup_ratio));
}

double linear_schedule_lr(double base_lr, int64_t completed, int64_t total_steps, double warmup_ratio) {
  const int64_t warmup = warmup_steps(total_steps, warmup_ratio);
  if (completed < warmup) return base_lr * static_cast<double>(completed) / static_cast<double>(std::max<int64_t>(1, warmup));
  return base_lr * std::max(0.0, static_cast<double>(total_steps - completed) /
                                     static_cast<double>(std::max<int64_t>(1, total_steps - warmup)));
}

}  // namespace sppo
