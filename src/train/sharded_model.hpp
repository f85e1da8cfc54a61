#pragma once
// defines: ShardedUnit and ShardedModel, the FSDP state of a causal LM: per unit, this
// rank's owned slice of the flat fp32 master weights and of the gradient accumulator.
// Full parameters exist only while gathered (GatheredUnit), in the compute dtype.
#include <ATen/core/Tensor.h>

#include <functional>
#include <string>
#include <vector>

#include "dist/communicator.hpp"
#include "io/safetensors.hpp"
#include "model/causal_lm.hpp"
#include "train/flat_layout.hpp"

namespace sppo {

// One unit's parameters, all-gathered: a flat buffer [padded_numel] and views of it shaped
// as the unit function takes them. Freed when it goes out of scope.
struct GatheredUnit {
  at::Tensor flat;
  UnitParams params;
};

class ShardedUnit {
 public:
  // Keeps this rank's slice of `full` (the unit's parameters in spec order, any dtype).
  ShardedUnit(const std::vector<ParamSpec>& specs, const UnitParams& full, const Communicator& comm);
  // The same read straight from a (memory-mapped) model: only the owned bytes are converted.
  ShardedUnit(const std::vector<ParamSpec>& specs, const SafetensorsModel& weights, const Communicator& comm);

  // all_gather of the master slices, in `dtype`. With `requires_grad` the views are leaves
  // whose .grad() the backward of a recomputed unit fills.
  GatheredUnit gather(Communicator& comm, at::ScalarType dtype, bool requires_grad) const;
  // Sums the gradients of `gathered` (missing ones count as zero) over the ranks into this
  // rank's owned gradient slice (reduce_scatter, f32).
  void reduce_scatter_grads(Communicator& comm, const GatheredUnit& gathered);

  at::Tensor& master() { return master_; }          // [shard_numel] f32
  const at::Tensor& master() const { return master_; }
  at::Tensor& grad() { return grad_; }              // [shard_numel] f32
  const at::Tensor& grad() const { return grad_; }
  const FlatLayout& layout() const { return layout_; }
  const std::vector<ParamSpec>& specs() const { return specs_; }

 private:
  std::vector<ParamSpec> specs_;
  FlatLayout layout_;
  at::Tensor master_;
  at::Tensor grad_;
};

class ShardedModel {
 public:
  // Every rank passes the same full model; each keeps its slices. Tied embeddings are
  // refused (the head would need gradients of unit 0's matrix).
  ShardedModel(const CausalLM& model, Communicator& comm);
  // From a Hugging Face folder without ever holding the whole model: each rank converts only
  // its slices out of the mapped safetensors (every tensor's name and shape is checked).
  static ShardedModel load(const std::string& folder, Communicator& comm);

  const CausalLmConfig& config() const { return config_; }
  int64_t num_units() const { return static_cast<int64_t>(units_.size()); }
  ShardedUnit& unit(int64_t u) { return units_[static_cast<std::size_t>(u)]; }
  const ShardedUnit& unit(int64_t u) const { return units_[static_cast<std::size_t>(u)]; }
  void zero_grads();

  // The full parameters by Hugging Face name (all_gather of every unit, f32): for export
  // and for tests.
  std::vector<std::pair<std::string, at::Tensor>> full_parameters(Communicator& comm) const;
  // The full parameters on rank 0 alone, each passed through `convert` (e.g. to the export
  // dtype on the host) as its unit arrives; every other rank holds one gathered unit at a
  // time and gets an empty list (collective). What export needs: all_gathering the whole
  // model on every rank would put N full copies on a node.
  using Convert = std::function<at::Tensor(const std::string& name, const at::Tensor& value)>;
  std::vector<std::pair<std::string, at::Tensor>> parameters_on_rank0(Communicator& comm, const Convert& convert) const;
  // The same for the gradient accumulators.
  std::vector<std::pair<std::string, at::Tensor>> full_gradients(Communicator& comm) const;

 private:
  ShardedModel() = default;
  CausalLmConfig config_;
  std::vector<ShardedUnit> units_;
};

}  // namespace sppo
