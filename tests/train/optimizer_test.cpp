// Optimizers on owned slices (run at 1, 2 and 3 ranks): two steps of each must equal the
// same update written on the full tensors, and the clipped norm must be the global one.
#include "train/optimizer.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "dist/mpi_communicator.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

// A gradient every rank can compute for every parameter: a fixed function of the name.
at::Tensor known_grad(const std::string& name, const at::Tensor& like, int step) {
  const double seed = static_cast<double>(std::hash<std::string>{}(name) % 997) + step;
  return at::sin(at::arange(like.numel(), at::kFloat).view(like.sizes()) * 0.37 + seed) * 0.1;
}

void set_grads(ShardedModel& model, int step) {
  model.release_grads();
  const int rank = [] { int r; MPI_Comm_rank(MPI_COMM_WORLD, &r); return r; }();
  for (int64_t u = 0; u < model.num_units(); ++u) {
    ShardedUnit& unit = model.unit(u);
    at::Tensor full = at::zeros({unit.layout().padded_numel()});
    for (std::size_t i = 0; i < unit.specs().size(); ++i) {
      const int64_t off = unit.layout().offset(static_cast<int64_t>(i)), n = unit.layout().param_numel(static_cast<int64_t>(i));
      full.slice(0, off, off + n).copy_(known_grad(unit.specs()[i].name, at::zeros(unit.specs()[i].shape), step).reshape({-1}));
    }
    unit.grad().copy_(full.slice(0, unit.layout().shard_begin(rank), unit.layout().shard_end(rank)));
  }
}

class OptimizerTest : public ::testing::TestWithParam<OptimizerKind> {};

TEST_P(OptimizerTest, TwoStepsOnSlicesEqualTheFullTensorUpdate) {
  MpiCommunicator comm(RankGroup::duplicate(MPI_COMM_WORLD));
  const CausalLM model = CausalLM::load(test::fixtures() + "/policy-f32", at::kFloat);
  ShardedModel sharded(model, comm);
  auto optimizer = make_optimizer(GetParam(), sharded);
  std::map<std::string, at::Tensor> p, m, v;
  const auto initial = sharded.full_parameters(comm);
  for (const auto& [name, t] : initial) {
    p[name] = t.clone();
    m[name] = at::zeros_like(t);
    v[name] = at::zeros_like(t);
  }
  const double lr = 0.01;
  for (int step = 1; step <= 2; ++step) {
    set_grads(sharded, step);
    optimizer->step(sharded, lr);
    for (auto& [name, w] : p) {
      const at::Tensor g = known_grad(name, w, step);
      switch (GetParam()) {
        case OptimizerKind::sgd: w = w - lr * g; break;
        case OptimizerKind::rmsprop:
          v[name] = 0.99 * v[name] + 0.01 * g * g;
          w = w - lr * g / (v[name].sqrt() + 1e-8);
          break;
        case OptimizerKind::adamw: {
          m[name] = 0.9 * m[name] + 0.1 * g;
          v[name] = 0.999 * v[name] + 0.001 * g * g;
          const double b1 = 1 - std::pow(0.9, step), b2 = 1 - std::pow(0.999, step);
          w = w - lr * (m[name] / b1) / ((v[name] / b2).sqrt() + 1e-8);
          break;
        }
      }
    }
  }
  EXPECT_EQ(optimizer->steps_taken(), 2);
  for (const auto& [name, got] : sharded.full_parameters(comm))
    EXPECT_LT((got - p[name]).abs().max().item<double>(), 1e-6) << name;
}

INSTANTIATE_TEST_SUITE_P(Kinds, OptimizerTest,
                         ::testing::Values(OptimizerKind::sgd, OptimizerKind::rmsprop, OptimizerKind::adamw));

TEST(ClipGradNorm, UsesTheGlobalNormAndScalesEveryRank) {
  MpiCommunicator comm(RankGroup::duplicate(MPI_COMM_WORLD));
  const CausalLM model = CausalLM::load(test::fixtures() + "/policy-f32", at::kFloat);
  ShardedModel sharded(model, comm);
  set_grads(sharded, 1);
  double expected_sq = 0;
  for (const auto& [name, g] : sharded.full_gradients(comm)) expected_sq += g.to(at::kDouble).pow(2).sum().item<double>();
  const double norm = clip_grad_norm(sharded, comm, 0.5);
  EXPECT_NEAR(norm, std::sqrt(expected_sq), 1e-6 * std::sqrt(expected_sq));
  ASSERT_GT(norm, 0.5);
  double after_sq = 0;
  for (const auto& [name, g] : sharded.full_gradients(comm)) after_sq += g.to(at::kDouble).pow(2).sum().item<double>();
  EXPECT_NEAR(std::sqrt(after_sq), 0.5, 1e-5);
  EXPECT_NEAR(clip_grad_norm(sharded, comm, 0.0), std::sqrt(after_sq), 1e-6) << "0 = no clipping, norm still reported";
}

}  // namespace
}  // namespace sppo
