#pragma once
// defines: the optimizers of DESIGN.md §5, each updating only this rank's owned fp32 slices
// from the owned gradient slices, and clip_grad_norm over the global (all-reduced) norm.
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "dist/communicator.hpp"
#include "train/sharded_model.hpp"

namespace sppo {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One update of every unit's master slice from its gradient slice, at learning rate `lr`.
  virtual void step(ShardedModel& model, double lr) = 0;
  // Names of the per-element state (checkpointed beside the master weights).
  virtual std::vector<std::string> state_names() const = 0;
  virtual at::Tensor& state(int64_t unit, const std::string& name) = 0;
  int64_t steps_taken() const { return steps_; }
  void set_steps_taken(int64_t steps) { steps_ = steps; }

 protected:
  int64_t steps_ = 0;
};

// sgd: p −= lr g.
// rmsprop (PyTorch defaults α = 0.99, eps = 1e-8): v = α v + (1 − α) g²; p −= lr g / (√v + eps).
// adamw (β = (0.9, 0.999), eps = 1e-8, weight decay 0 as in the Hugging Face trainer the
// official SPPO uses): p −= lr wd p; m = β1 m + (1 − β1) g; v = β2 v + (1 − β2) g²;
// p −= (lr / (1 − β1^t)) m / (√v / √(1 − β2^t) + eps).
std::unique_ptr<Optimizer> make_optimizer(OptimizerKind kind, const ShardedModel& model);

// The global L2 norm of the gradient (all-reduced over ranks; padding holds zeros). When
// max_norm > 0 and the norm exceeds it, every gradient slice is scaled by
// max_norm / (norm + 1e-6), as torch.nn.utils.clip_grad_norm_. Returns the norm before.
double clip_grad_norm(ShardedModel& model, Communicator& comm, double max_norm);

}  // namespace sppo
