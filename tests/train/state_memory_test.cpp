// Run at 1, 2 and 3 ranks: the training state a rank reports is its share of the model,
// 4 bytes per parameter for the master, and 8 (AdamW), 4 (RMSprop) or 0 (SGD) for the
// optimizer, plus 4 for the gradient while a step holds it; summed over the ranks it is the
// whole model's (plus shard padding).
#include "train/state_memory.hpp"

#include <gtest/gtest.h>

#include "dist/mpi_communicator.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(TrainingState, IsThisRanksShareOfTheModelTimesTheBytesPerParameter) {
  MpiCommunicator comm(RankGroup::duplicate(MPI_COMM_WORLD));
  const CausalLM model = CausalLM::load(test::fixtures() + "/policy-f32", at::kFloat);
  ShardedModel sharded(model, comm);
  int64_t params = 0, padded = 0;
  for (int64_t u = 0; u < sharded.num_units(); ++u) {
    for (std::size_t i = 0; i < sharded.unit(u).specs().size(); ++i)
      params += sharded.unit(u).layout().param_numel(static_cast<int64_t>(i));
    padded += sharded.unit(u).layout().padded_numel();
  }
  for (const auto& [kind, optimizer_bytes] :
       std::vector<std::pair<OptimizerKind, int64_t>>{{OptimizerKind::adamw, 8}, {OptimizerKind::rmsprop, 4}, {OptimizerKind::sgd, 0}}) {
    auto optimizer = make_optimizer(kind, sharded);
    const TrainingState s = training_state(sharded, *optimizer);
    for (int64_t u = 0; u < sharded.num_units(); ++u) sharded.unit(u).grad();  // a step's accumulators
    const TrainingState in_step = training_state(sharded, *optimizer);
    sharded.release_grads();
    const TrainingState between = training_state(sharded, *optimizer);
    std::vector<int64_t> sum{s.master_bytes, s.grad_bytes, s.optimizer_bytes, s.step_grad_bytes, in_step.grad_bytes,
                             between.grad_bytes, between.total()};
    comm.group().all_reduce(sum, HostReduce::sum);
    EXPECT_EQ(sum[0], 4 * padded);
    EXPECT_EQ(sum[1], 0) << "no gradient slice before the first step";
    EXPECT_EQ(sum[2], optimizer_bytes * padded);
    EXPECT_EQ(sum[3], 4 * padded);
    EXPECT_EQ(sum[4], 4 * padded);
    EXPECT_EQ(sum[5], 0);
    EXPECT_EQ(sum[6], (4 + optimizer_bytes) * padded) << "12 bytes per parameter between AdamW steps";
    EXPECT_GE(padded, params);
    EXPECT_LT(padded - params, sharded.num_units() * comm.size()) << "padding is at most a few elements per unit";
    EXPECT_EQ(s.total(), s.master_bytes + s.grad_bytes + s.optimizer_bytes);
  }
}

TEST(TrainingState, TheLogLineShowsStateAndTheRest) {
  TrainingState s;
  s.master_bytes = 100 << 20;
  s.grad_bytes = 100 << 20;
  s.optimizer_bytes = 200 << 20;
  s.step_grad_bytes = 100 << 20;
  EXPECT_EQ(describe_memory(s, 1000),
            "resident memory after the first step 1000 MiB: training state 400 MiB (master 100, gradients 100, "
            "optimizer 200), the rest 600 MiB; the gradient slices add 100 MiB during a step");
}

}  // namespace
}  // namespace sppo
