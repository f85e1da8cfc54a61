#pragma once
// defines: TrainingState, the bytes of training state this rank holds now (its fp32 master
// slices, the optimizer's per-element state and any gradient accumulators, which exist only
// during a step) and those the accumulators take during a step; and describe_memory, the
// line the trainer logs after its first step: that state beside the resident memory, so
// the runtime's own overhead (LibTorch, MPI, the mapped weights' pages, activations and
// gathered units of the step) shows as the difference.
#include <cstdint>
#include <string>

#include "train/optimizer.hpp"
#include "train/sharded_model.hpp"

namespace sppo {

struct TrainingState {
  int64_t master_bytes = 0;
  int64_t grad_bytes = 0;
  int64_t optimizer_bytes = 0;
  int64_t step_grad_bytes = 0;  // the gradient accumulators while a step runs (4 per owned element)
  int64_t total() const { return master_bytes + grad_bytes + optimizer_bytes; }
};

TrainingState training_state(const ShardedModel& model, Optimizer& optimizer);

// "resident memory after the first step R MiB: training state S MiB (master M, gradients G,
// optimizer O), the rest R − S MiB; the gradient slices add D MiB during a step".
std::string describe_memory(const TrainingState& state, int64_t resident_mib);

}  // namespace sppo
