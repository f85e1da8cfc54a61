#pragma once
// defines: ShardedUnit and ShardedModel, the FSDP state of a causal LM: per unit, this
// rank's owned slice of the flat fp32 master weights and, during a step, of the gradient
// accumulator (released after the optimizer applies it, so between steps a rank holds only
// masters and optimizer state: 12 bytes per parameter over N ranks with AdamW).
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
  // rank's owned gradient slice (reduce_scatter, f32), in buckets: each collective sends at
  // most `bucket_elements` f32 elements from a rank, which bounds the transient memory.
  static constexpr int64_t kBucketElements = int64_t{8} << 20;  // 32 MiB
  void reduce_scatter_grads(Communicator& comm, const GatheredUnit& gathered,
                            int64_t bucket_elements = kBucketElements);

  at::Tensor& master() { return master_; }          // [shard_numel] f32
  const at::Tensor& master() const { return master_; }
  // The gradient accumulator [shard_numel] f32, allocated as zeros on first use after a
  // release; the const form is undefined until then.
  at::Tensor& grad();
  const at::Tensor& grad() const { return grad_; }
  void release_grad();
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
  // Frees every gradient accumulator (the next gradient starts from zero).
  void release_grads();

  // The full parameters by Hugging Face name (all_gather of every unit, f32): for export
  // and for tests.
  std::vector<std::pair<std::string, at::Tensor>> full_parameters(Communicator& comm) const;
  // Export's gather (collective): every unit all-gathered in turn; on rank 0 alone, `consume`
  // receives each parameter (a view of the gathered f32 unit, valid during the call) in
  // parameter_specs() order as its unit arrives. No rank holds more than one gathered unit,
  // rank 0 included: export writes each tensor as it comes, so a model larger than a rank's
  // share of memory still exports.
  using Consume = std::function<void(const std::string& name, const at::Tensor& value)>;
  void stream_parameters_to_rank0(Communicator& comm, const Consume& consume) const;
  // Every parameter's name and shape, unit after unit, in the order the units hold them.
  std::vector<ParamSpec> parameter_specs() const;
  // The same for the gradient accumulators.
  std::vector<std::pair<std::string, at::Tensor>> full_gradients(Communicator& comm) const;

 private:
  ShardedModel() = default;
  CausalLmConfig config_;
  std::vector<ShardedUnit> units_;
};

}  // namespace sppo
