// The step plan against a table: which examples each rank takes, how they split into
// micro-batches and what the loss divides by, at 1, 2 and 3 ranks, with uneven sizes.
#include "train/step_plan.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <set>

#include "core/error.hpp"

namespace sppo {
namespace {

using Micro = std::vector<std::vector<int64_t>>;

// 7 pairs (2 rows each) with 3 + i response tokens, global batch 5, micro-batch 2.
struct Fixture {
  TrainSchedule schedule{7, 5, 2, 2};
  std::vector<ExampleSize> sizes;
  std::vector<int64_t> order{6, 2, 0, 4, 1, 5, 3};  // an epoch's permutation
  Fixture() {
    for (int64_t i = 0; i < 7; ++i) sizes.push_back({2, 3 + i});
  }
};

TEST(StepPlan, ScheduleCountsStepsPerEpoch) {
  const Fixture f;
  EXPECT_EQ(f.schedule.steps_per_epoch(), 2);
  EXPECT_EQ(f.schedule.total_steps(), 4);
  EXPECT_EQ((TrainSchedule{10, 5, 1, 3}.total_steps()), 6);
}

TEST(StepPlan, RanksTakeBatchPositionsRoundRobinInMicroBatchesOfEqualCount) {
  const Fixture f;
  struct Row {
    int64_t step;
    int world;
    std::vector<Micro> per_rank;  // rank r's micro-batches
  };
  // Step 0 takes positions 0..4 of the order: examples 6 2 0 4 1; step 1 positions 5..6: 5 3.
  const Row table[] = {
      {0, 1, {{{6, 2}, {0, 4}, {1}}}},
      {0, 2, {{{6, 0}, {1}}, {{2, 4}, {}}}},
      {0, 3, {{{6, 4}}, {{2, 1}}, {{0}}}},
      {1, 1, {{{5, 3}}}},
      {1, 2, {{{5}}, {{3}}}},
      {1, 3, {{{5}}, {{3}}, {{}}}},  // a rank without rows still runs the micro-batch's collectives
      {3, 2, {{{5}}, {{3}}}},         // epoch 1 (the caller passes that epoch's order)
  };
  for (const Row& row : table) {
    for (int rank = 0; rank < row.world; ++rank) {
      SCOPED_TRACE("step " + std::to_string(row.step) + ", rank " + std::to_string(rank) + " of " + std::to_string(row.world));
      const StepPlan plan = plan_step(f.schedule, f.sizes, f.order, row.step, LossDenominator::rows, rank, row.world);
      EXPECT_EQ(plan.micro_batches, row.per_rank[static_cast<std::size_t>(rank)]);
      EXPECT_EQ(plan.epoch, row.step / 2);
    }
  }
}

TEST(StepPlan, EveryExampleOfTheBatchOnExactlyOneRankAndPairsStayWhole) {
  const Fixture f;
  for (int world : {1, 2, 3, 4, 8}) {
    for (int64_t step = 0; step < f.schedule.total_steps(); ++step) {
      std::multiset<int64_t> seen;
      std::size_t micro = 0;
      int64_t rows = 0;
      for (int rank = 0; rank < world; ++rank) {
        const StepPlan plan = plan_step(f.schedule, f.sizes, f.order, step, LossDenominator::pairs, rank, world);
        if (rank == 0) micro = plan.micro_batches.size();
        EXPECT_EQ(plan.micro_batches.size(), micro) << "every rank runs as many micro-batches";
        for (const auto& m : plan.micro_batches) {
          EXPECT_LE(static_cast<int64_t>(m.size()), f.schedule.micro_batch);
          for (int64_t e : m) {
            seen.insert(e);
            rows += f.sizes[static_cast<std::size_t>(e)].rows;  // a pair's two rows go where the example goes
          }
        }
      }
      const StepPlan any = plan_step(f.schedule, f.sizes, f.order, step, LossDenominator::pairs, 0, world);
      const int64_t begin = (step % 2) * 5, end = std::min<int64_t>(7, begin + 5);
      EXPECT_EQ(seen, std::multiset<int64_t>(f.order.begin() + begin, f.order.begin() + end)) << "world " << world;
      EXPECT_EQ(rows, any.global_rows);
      EXPECT_EQ(any.global_examples, end - begin);
      EXPECT_EQ(any.data_position, end);
    }
  }
}

TEST(StepPlan, TheLossCountsRowsPairsOrTokensOfTheGlobalBatch) {
  const Fixture f;
  // Step 0: examples 6 2 0 4 1 with 9, 5, 3, 7, 4 response tokens.
  EXPECT_EQ(plan_step(f.schedule, f.sizes, f.order, 0, LossDenominator::rows, 1, 3).loss_count, 10);
  EXPECT_EQ(plan_step(f.schedule, f.sizes, f.order, 0, LossDenominator::pairs, 1, 3).loss_count, 5);
  EXPECT_EQ(plan_step(f.schedule, f.sizes, f.order, 0, LossDenominator::tokens, 1, 3).loss_count, 28);
  std::vector<ExampleSize> empty(7, {1, 0});
  EXPECT_EQ(plan_step(f.schedule, empty, f.order, 0, LossDenominator::tokens, 0, 1).loss_count, 1) << "never 0";
}

TEST(StepPlan, MisuseIsAnErrorNotAnOutOfRangeRead) {
  const Fixture f;
  EXPECT_THROW(plan_step(f.schedule, f.sizes, f.order, 4, LossDenominator::rows, 0, 1), Error);
  EXPECT_THROW(plan_step(f.schedule, f.sizes, {0, 1}, 0, LossDenominator::rows, 0, 1), Error);
}

TEST(StepPlan, EpochOrderDependsOnSeedAndEpochOnly) {
  const auto a = epoch_order(10, 5, 0), b = epoch_order(10, 5, 0), c = epoch_order(10, 5, 1), d = epoch_order(10, 6, 0);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, d);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> iota(10);
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(sorted, iota);
}

}  // namespace
}  // namespace sppo
