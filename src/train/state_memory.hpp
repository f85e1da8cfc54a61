#pragma once
// defines: TrainingState, the bytes of persistent training state this rank holds (its fp32
// master slices, their gradient accumulators and the optimizer's per-element state), and
// describe_memory, the line the trainer logs after its first step: that state beside the
// resident memory, so the runtime's own overhead (LibTorch, MPI, the mapped weights' pages,
// activations and gathered units of the step) shows as the difference.
#include <cstdint>
#include <string>

#include "train/optimizer.hpp"
#include "train/sharded_model.hpp"

namespace sppo {

struct TrainingState {
  int64_t master_bytes = 0;
  int64_t grad_bytes = 0;
  int64_t optimizer_bytes = 0;
  int64_t total() const { return master_bytes + grad_bytes + optimizer_bytes; }
};

TrainingState training_state(const ShardedModel& model, Optimizer& optimizer);

// "resident memory after the first step R MiB: training state S MiB (master M, gradients G,
// optimizer O), the rest R − S MiB".
std::string describe_memory(const TrainingState& state, int64_t resident_mib);

}  // namespace sppo
