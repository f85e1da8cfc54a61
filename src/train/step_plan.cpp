#include "train/step_plan.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/permutation.hpp"

namespace sppo {

StepPlan plan_step(const TrainSchedule& schedule, const std::vector<ExampleSize>& sizes, const std::vector<int64_t>& order,
                   int64_t step, LossDenominator denominator, int rank, int world) {
  const int64_t n = schedule.examples, per_epoch = schedule.steps_per_epoch();
  if (static_cast<int64_t>(sizes.size()) != n || static_cast<int64_t>(order.size()) != n)
    throw Error("plan_step: expected " + std::to_string(n) + " example sizes and positions, got " +
                std::to_string(sizes.size()) + " and " + std::to_string(order.size()));
  if (per_epoch < 1 || step < 0 || step >= schedule.total_steps())
    throw Error("plan_step: step " + std::to_string(step) + " outside [0, " + std::to_string(schedule.total_steps()) + ")");
  StepPlan plan;
  plan.step = step;
  plan.epoch = step / per_epoch;
  const int64_t batch = step % per_epoch;
  const int64_t begin = batch * schedule.global_batch, end = std::min(n, begin + schedule.global_batch);
  plan.data_position = end;
  std::vector<int64_t> mine;
  int64_t count = 0;
  for (int64_t i = begin; i < end; ++i) {
    const int64_t example = order[static_cast<std::size_t>(i)];
    const ExampleSize& size = sizes[static_cast<std::size_t>(example)];
    plan.global_rows += size.rows;
    count += denominator == LossDenominator::tokens ? size.response_tokens
             : denominator == LossDenominator::rows ? size.rows
                                                    : 1;
    if ((i - begin) % world == rank) mine.push_back(example);
  }
  plan.global_examples = end - begin;
  plan.loss_count = std::max<int64_t>(1, count);
  const int64_t largest_share = (plan.global_examples + world - 1) / world;
  const int64_t micro = std::max<int64_t>(1, (largest_share + schedule.micro_batch - 1) / schedule.micro_batch);
  plan.micro_batches.resize(static_cast<std::size_t>(micro));
  for (std::size_t i = 0; i < mine.size(); ++i)
    plan.micro_batches[i / static_cast<std::size_t>(schedule.micro_batch)].push_back(mine[i]);
  return plan;
}

std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch) {
  return seeded_permutation(n, seed, static_cast<uint64_t>(epoch));
}

}  // namespace sppo
