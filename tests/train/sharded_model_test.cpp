// Runs at 1, 2 and 3 ranks: a sharded model read slice by slice from the files equals one
// sharded from a loaded model, and its forward-only log-probs equal the whole model's.
#include "train/sharded_model.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

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

// Export's gather: rank 0 gets every parameter, converted, equal to the all-gathered one;
// the other ranks get nothing.
TEST(ShardedModel, ParametersOnRankZeroAloneConverted) {
  MpiCommunicator comm(RankGroup::duplicate(MPI_COMM_WORLD));
  ShardedModel model = ShardedModel::load(test::fixtures() + "/policy-f32", comm);
  const auto full = model.full_parameters(comm);
  int64_t calls = 0;
  const auto on_rank0 = model.parameters_on_rank0(comm, [&](const std::string&, const at::Tensor& v) {
    ++calls;
    return v.to(at::kBFloat16);
  });
  if (comm.rank() != 0) {
    EXPECT_TRUE(on_rank0.empty());
    EXPECT_EQ(calls, 0);
    return;
  }
  ASSERT_EQ(on_rank0.size(), full.size());
  for (std::size_t i = 0; i < full.size(); ++i) {
    EXPECT_EQ(on_rank0[i].first, full[i].first);
    EXPECT_EQ(on_rank0[i].second.scalar_type(), at::kBFloat16);
    EXPECT_TRUE(on_rank0[i].second.equal(full[i].second.to(at::kBFloat16))) << full[i].first;
  }
}

}  // namespace
}  // namespace sppo
