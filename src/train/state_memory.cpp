#include "train/state_memory.hpp"

namespace sppo {
namespace {

int64_t bytes(const at::Tensor& t) {
  return t.defined() ? static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size()) : 0;
}

int64_t mib(int64_t b) { return (b + (int64_t{1} << 19)) >> 20; }  // rounded

}  // namespace

TrainingState training_state(const ShardedModel& model, Optimizer& optimizer) {
  TrainingState s;
  for (int64_t u = 0; u < model.num_units(); ++u) {
    s.master_bytes += bytes(model.unit(u).master());
    s.grad_bytes += bytes(model.unit(u).grad());
    s.step_grad_bytes += bytes(model.unit(u).master());  // an f32 accumulator the size of the f32 slice
    for (const std::string& name : optimizer.state_names()) s.optimizer_bytes += bytes(optimizer.state(u, name));
  }
  return s;
}

std::string describe_memory(const TrainingState& state, int64_t resident_mib) {
  return "resident memory after the first step " + std::to_string(resident_mib) + " MiB: training state " +
         std::to_string(mib(state.total())) + " MiB (master " + std::to_string(mib(state.master_bytes)) + ", gradients " +
         std::to_string(mib(state.grad_bytes)) + ", optimizer " + std::to_string(mib(state.optimizer_bytes)) +
         "), the rest " + std::to_string(resident_mib - mib(state.total())) + " MiB; the gradient slices add " +
         std::to_string(mib(state.step_grad_bytes)) + " MiB during a step";
}

}  // namespace sppo
