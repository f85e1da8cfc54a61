// Runs at 1, 2 and 3 ranks: a sharded model read slice by slice from the files equals one
// sharded from a loaded model, and its forward-only log-probs equal the whole model's.
#include "train/sharded_model.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <utility>

#include "core/error.hpp"
#include "dist/mpi_communicator.hpp"
#include "io/safetensors.hpp"
#include "test_support.hpp"
#include "train/fsdp_step.hpp"
#include "train/losses.hpp"

namespace sppo {
namespace {

TEST(ShardedModel, LoadingSlicesFromTheFilesEqualsShardingTheLoadedModel) {
  MpiCommunicator comm(RankGroup::duplicate(MPI_COMM_WORLD));
  MpiCommunicator gather_comm(RankGroup::duplicate(MPI_COMM_WORLD));
  const CausalLM whole = CausalLM::load(test::fixtures() + "/policy-f32", at::kFloat);
  ShardedModel from_model(whole, comm);
  ShardedModel from_files = ShardedModel::load(test::fixtures() + "/policy-f32", comm);
  ASSERT_EQ(from_files.num_units(), from_model.num_units());
  for (int64_t u = 0; u < from_model.num_units(); ++u)
    EXPECT_TRUE(at::equal(from_files.unit(u).master(), from_model.unit(u).master())) << "unit " << u;
  // bf16 weights are widened exactly.
  ShardedModel bf16 = ShardedModel::load(test::fixtures() + "/policy-bf16", comm);
  EXPECT_EQ(bf16.unit(1).master().scalar_type(), at::kFloat);

  // Forward-only log-probs through the shards, with and without prefetch, equal the whole model's.
  const auto expected = SafetensorsModel::open(test::fixtures() + "/expected/sppo_step.safetensors");
  TrainRows rows;
  rows.ids = expected.tensor("input_ids");
  rows.mask = expected.tensor("attention_mask");
  rows.response_start = expected.tensor("response_start");
  const at::Tensor reference = expected.tensor("logp");
  // Rank 0 has the rows; the others run the same gathers with none.
  const TrainRows mine = comm.rank() == 0 ? rows : TrainRows{};
  for (Communicator* prefetch : {static_cast<Communicator*>(nullptr), static_cast<Communicator*>(&gather_comm)}) {
    const at::Tensor logp = sharded_response_logp(from_files, comm, mine, at::kFloat, prefetch);
    if (comm.rank() == 0) {
      EXPECT_LT((logp - reference).abs().max().item<double>(), 1e-4) << logp << reference;
    }
  }
  test::TempDir dir;
  EXPECT_THROW(ShardedModel::load(dir.path(), comm), Error);
}

// The bucketed reduce-scatter sums every rank's gradients into the owned slices, whatever the
// bucket (one element, a size that divides nothing, the default), and a missing gradient
// counts as zero.
TEST(ShardedModel, ReduceScatterSumsTheGradientsInAnyBucketSize) {
  MpiCommunicator comm(RankGroup::duplicate(MPI_COMM_WORLD));
  for (const int64_t bucket : {int64_t{1}, int64_t{7}, ShardedUnit::kBucketElements}) {
    ShardedModel model = ShardedModel::load(test::fixtures() + "/policy-f32", comm);
    ShardedUnit& unit = model.unit(1);
    GatheredUnit g = unit.gather(comm, at::kFloat, true);
    // rank r's gradient of parameter i: (r + 1) · (i + 1) · (0, 1, 2, ...); parameter 1 has none.
    double rank_sum = 0;
    for (int r = 0; r < comm.size(); ++r) rank_sum += r + 1;
    at::Tensor expected = at::zeros({unit.layout().padded_numel()}, at::kFloat);
    for (std::size_t i = 0; i < g.params.size(); ++i) {
      if (i == 1) continue;
      const at::Tensor base = at::arange(g.params[i].numel(), at::kFloat) * static_cast<double>(i + 1);
      g.params[i].mutable_grad() = (base * (comm.rank() + 1)).view(g.params[i].sizes());
      const int64_t offset = unit.layout().offset(static_cast<int64_t>(i));
      expected.slice(0, offset, offset + base.numel()).copy_(base * rank_sum);
    }
    unit.grad().fill_(0.5);  // reduce_scatter_grads adds to what is there
    unit.reduce_scatter_grads(comm, g, bucket);
    const FlatLayout& layout = unit.layout();
    const at::Tensor want = expected.slice(0, layout.shard_begin(comm.rank()), layout.shard_end(comm.rank())) + 0.5;
    EXPECT_TRUE(at::equal(unit.grad(), want)) << "bucket " << bucket;
  }
}

// The gradient slices exist only between the first gradient of a step and the release after
// it: a released unit holds none (its memory is freed) and its next reduce-scatter starts
// from zero, not from the last step's sums.
TEST(ShardedModel, GradientSlicesAreHeldOnlyUntilReleased) {
  MpiCommunicator comm(RankGroup::duplicate(MPI_COMM_WORLD));
  ShardedModel model = ShardedModel::load(test::fixtures() + "/policy-f32", comm);
  for (int64_t u = 0; u < model.num_units(); ++u)
    EXPECT_FALSE(std::as_const(model).unit(u).grad().defined()) << "unit " << u << " before any gradient";
  ShardedUnit& unit = model.unit(1);
  GatheredUnit g = unit.gather(comm, at::kFloat, true);
  for (auto& p : g.params) p.mutable_grad() = at::ones_like(p);
  unit.reduce_scatter_grads(comm, g);
  unit.reduce_scatter_grads(comm, g);  // two micro-batches accumulate
  const FlatLayout& layout = unit.layout();
  const int64_t real = layout.real_end(comm.rank()) - layout.real_begin(comm.rank());
  ASSERT_TRUE(std::as_const(unit).grad().defined());
  EXPECT_EQ(unit.grad().slice(0, 0, real).min().item<float>(), 2.0f * static_cast<float>(comm.size()));
  model.release_grads();
  EXPECT_FALSE(std::as_const(unit).grad().defined());
  unit.reduce_scatter_grads(comm, g);
  EXPECT_EQ(unit.grad().slice(0, 0, real).max().item<float>(), static_cast<float>(comm.size()));
}

// Export's gather: rank 0 receives every parameter, in parameter_specs() order, equal to the
// all-gathered one; the other ranks receive nothing.
TEST(ShardedModel, ParametersStreamToRankZeroAlone) {
  MpiCommunicator comm(RankGroup::duplicate(MPI_COMM_WORLD));
  ShardedModel model = ShardedModel::load(test::fixtures() + "/policy-f32", comm);
  const auto full = model.full_parameters(comm);
  const std::vector<ParamSpec> specs = model.parameter_specs();
  std::vector<std::pair<std::string, at::Tensor>> received;
  model.stream_parameters_to_rank0(comm, [&](const std::string& name, const at::Tensor& value) {
    received.emplace_back(name, value.clone());
  });
  if (comm.rank() != 0) {
    EXPECT_TRUE(received.empty());
    return;
  }
  ASSERT_EQ(received.size(), full.size());
  ASSERT_EQ(specs.size(), full.size());
  for (std::size_t i = 0; i < full.size(); ++i) {
    EXPECT_EQ(received[i].first, full[i].first);
    EXPECT_EQ(specs[i].name, full[i].first);
    EXPECT_EQ(received[i].second.sizes().vec(), specs[i].shape);
    EXPECT_TRUE(received[i].second.equal(full[i].second)) << full[i].first;
  }
}

}  // namespace
}  // namespace sppo
