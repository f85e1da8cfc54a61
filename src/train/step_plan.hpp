#pragma once
// defines: the step plan, a pure function of the training set's sizes: which examples each
// rank takes in optimizer step s, how they split into micro-batches, and the global counts the
// loss is divided by. No MPI: every rank computes the same plan, which is why they agree.
//
//   step s of epoch e = s / steps_per_epoch takes the examples at positions
//   [b·G, min(n, (b+1)·G)) of epoch e's permutation (b = s mod steps_per_epoch, G = global
//   batch in examples); position i of the batch goes to rank i mod world, so a pair (one
//   example) never straddles ranks; each rank's share splits into micro-batches of at most
//   `micro_batch` examples, and every rank runs as many micro-batches as the largest share
//   needs (some empty), so that the collectives of the FSDP step match.
#include <cstdint>
#include <vector>

#include "train/losses.hpp"

namespace sppo {

// What the plan needs to know of one example.
struct ExampleSize {
  int64_t rows = 1;             // 2 for a pair
  int64_t response_tokens = 0;  // over its rows
};

struct TrainSchedule {
  int64_t examples = 0;
  int64_t global_batch = 64;  // examples (pairs for the pair losses, not rows) per optimizer step
  int64_t micro_batch = 8;    // examples per forward/backward on one rank
  int64_t epochs = 1;

  int64_t steps_per_epoch() const { return (examples + global_batch - 1) / global_batch; }
  int64_t total_steps() const { return steps_per_epoch() * epochs; }
};

struct StepPlan {
  int64_t step = 0;
  int64_t epoch = 0;
  int64_t data_position = 0;  // examples of the epoch consumed after this step
  // This rank's examples (indices into the training set), micro-batch by micro-batch: the
  // same number of micro-batches on every rank.
  std::vector<std::vector<int64_t>> micro_batches;
  int64_t global_examples = 0;
  int64_t global_rows = 0;
  // What Σ loss terms is divided by: the rows, pairs or response tokens of the whole global
  // batch (at least 1), so that the gradient summed over ranks is that of the global mean.
  int64_t loss_count = 1;
};

// `order` is epoch `step / steps_per_epoch`'s permutation of the examples (epoch_order).
StepPlan plan_step(const TrainSchedule& schedule, const std::vector<ExampleSize>& sizes, const std::vector<int64_t>& order,
                   int64_t step, LossDenominator denominator, int rank, int world);

// The example order of `epoch`: a permutation of 0..n-1 that depends on (seed, epoch) only,
// never on the rank count (core/permutation.hpp).
std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch);

}  // namespace sppo
