#include "train/optimizer.hpp"

#include <ATen/ATen.h>

#include <cmath>

#include "core/error.hpp"

namespace sppo {
namespace {

// Per-unit state tensors shaped like the owned slices, by name.
class SlicedState : public Optimizer {
 public:
  SlicedState(const ShardedModel& model, std::vector<std::string> names) : names_(std::move(names)) {
    for (int64_t u = 0; u < model.num_units(); ++u) {
      std::vector<at::Tensor> per_unit;
      for (std::size_t i = 0; i < names_.size(); ++i) per_unit.push_back(at::zeros_like(model.unit(u).master()));
      state_.push_back(std::move(per_unit));
    }
  }
  std::vector<std::string> state_names() const override { return names_; }
  at::Tensor& state(int64_t unit, const std::string& name) override {
    for (std::size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == name) return state_.at(static_cast<std::size_t>(unit))[i];
    throw Error("optimizer has no state " + name);
  }

 protected:
  std::vector<std::string> names_;
  std::vector<std::vector<at::Tensor>> state_;  // [unit][state]
};

class Sgd final : public SlicedState {
 public:
  explicit Sgd(const ShardedModel& model) : SlicedState(model, {}) {}
  void step(ShardedModel& model, double lr) override {
    for (int64_t u = 0; u < model.num_units(); ++u) model.unit(u).master().add_(model.unit(u).grad(), -lr);
    ++steps_;
  }
};

class RmsProp final : public SlicedState {
 public:
  explicit RmsProp(const ShardedModel& model) : SlicedState(model, {"square_avg"}) {}
  void step(ShardedModel& model, double lr) override {
    constexpr double alpha = 0.99, eps = 1e-8;
    for (int64_t u = 0; u < model.num_units(); ++u) {
      at::Tensor& v = state_[static_cast<std::size_t>(u)][0];
      const at::Tensor& g = model.unit(u).grad();
      v.mul_(alpha).addcmul_(g, g, 1 - alpha);
      model.unit(u).master().addcdiv_(g, v.sqrt().add_(eps), -lr);
    }
    ++steps_;
  }
};

class AdamW final : public SlicedState {
 public:
  explicit AdamW(const ShardedModel& model) : SlicedState(model, {"exp_avg", "exp_avg_sq"}) {}
  void step(ShardedModel& model, double lr) override {
    constexpr double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
    ++steps_;
    const double bias1 = 1 - std::pow(beta1, static_cast<double>(steps_));
    const double bias2 = 1 - std::pow(beta2, static_cast<double>(steps_));
    for (int64_t u = 0; u < model.num_units(); ++u) {
      at::Tensor& m = state_[static_cast<std::size_t>(u)][0];
      at::Tensor& v = state_[static_cast<std::size_t>(u)][1];
      at::Tensor& p = model.unit(u).master();
      const at::Tensor& g = model.unit(u).grad();
      if (weight_decay != 0) p.mul_(1 - lr * weight_decay);
      m.mul_(beta1).add_(g, 1 - beta1);
      v.mul_(beta2).addcmul_(g, g, 1 - beta2);
      p.addcdiv_(m, (v.sqrt() / std::sqrt(bias2)).add_(eps), -lr / bias1);
    }
  }
};

}  // namespace

std::unique_ptr<Optimizer> make_optimizer(OptimizerKind kind, const ShardedModel& model) {
  switch (kind) {
    case OptimizerKind::sgd: return std::make_unique<Sgd>(model);
    case OptimizerKind::rmsprop: return std::make_unique<RmsProp>(model);
    case OptimizerKind::adamw: return std::make_unique<AdamW>(model);
  }
  throw Error("unknown optimizer");
}

double clip_grad_norm(ShardedModel& model, Communicator& comm, double max_norm) {
  // Σ g² in f64 on the gradients' device, all-reduced there.
  at::Tensor sum_sq = at::zeros({1}, model.unit(0).grad().options().dtype(at::kDouble));
  for (int64_t u = 0; u < model.num_units(); ++u) sum_sq += model.unit(u).grad().to(at::kDouble).pow(2).sum();
  comm.all_reduce(sum_sq, ReduceOp::sum);
  const double norm = std::sqrt(sum_sq.item<double>());
  if (max_norm > 0) {
    const double coefficient = max_norm / (norm + 1e-6);
    if (coefficient < 1)
      for (int64_t u = 0; u < model.num_units(); ++u) model.unit(u).grad().mul_(coefficient);
  }
  return norm;
}

}  // namespace sppo
