// One SPPO step of the sharded policy against the Hugging Face reference
// (expected/sppo_step*, SUMMARY.md; families/expected/<family>_step for Llama-3, Qwen2 and
// Gemma-2, whose tied embedding gets the gradients of both its uses): the loss, the stored
// gradients and every weight after one SGD step, at 1, 2 and 3 ranks (ctest runs this file
// under each) and with the global batch split into 1 or 2 micro-batches per rank.
#include "train/fsdp_step.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "dist/mpi_communicator.hpp"
#include "io/safetensors.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

struct StepCase {
  const char* root;     // fixtures or families
  const char* model;    // the policy folder under root
  const char* fixture;  // expected/<fixture>.safetensors and expected/<sgd folder>
  const char* sgd_folder;
  int micro_batches;
  bool prefetch;  // gathers one unit ahead on a second communicator
  bool recompute = true;  // train.activation_checkpointing on (off: the forward's graphs are kept)
};

class FsdpStep : public ::testing::TestWithParam<StepCase> {};

TEST_P(FsdpStep, MatchesTheReferenceAtAnyRankCountAndMicroBatchSplit) {
  const StepCase param = GetParam();
  MpiCommunicator comm(RankGroup::duplicate(MPI_COMM_WORLD));
  MpiCommunicator gather_comm(RankGroup::duplicate(MPI_COMM_WORLD));
  const std::string root = std::string("tests/data/") + param.root;
  const auto expected = SafetensorsModel::open(root + "/expected/" + param.fixture + ".safetensors");
  const CausalLM model = CausalLM::load(root + "/" + param.model, at::kFloat);
  ShardedModel sharded(model, comm);

  TrainRows all;
  all.ids = expected.tensor("input_ids");
  all.mask = expected.tensor("attention_mask");
  all.response_start = expected.tensor("response_start");
  all.ref_logp = expected.tensor("ref_logp");
  all.win_prob = expected.tensor("p_w");
  const double beta = expected.tensor("beta").item<double>(), lr = expected.tensor("lr").item<double>();
  const int64_t global_rows = all.rows();

  // Row i goes to rank i % world; each rank splits its rows into the same number of micro-batches.
  std::vector<int64_t> mine;
  for (int64_t i = comm.rank(); i < global_rows; i += comm.size()) mine.push_back(i);
  const at::Tensor index = at::tensor(mine, at::kLong);
  TrainRows local;
  local.ids = all.ids.index_select(0, index);
  local.mask = all.mask.index_select(0, index);
  local.response_start = all.response_start.index_select(0, index);
  local.ref_logp = all.ref_logp.index_select(0, index);
  local.win_prob = all.win_prob.index_select(0, index);
  double term_sum = 0;
  const int64_t per_micro = (local.rows() + param.micro_batches - 1) / param.micro_batches;
  for (int m = 0; m < param.micro_batches; ++m) {
    const int64_t begin = std::min(local.rows(), m * per_micro), end = std::min(local.rows(), (m + 1) * per_micro);
    term_sum += accumulate_gradients(sharded, comm, local.slice(begin, end), LossKind::sppo_all, beta, global_rows,
                                     at::kFloat, param.prefetch ? &gather_comm : nullptr, param.recompute)
                    .term_sum;
  }
  at::Tensor loss = at::tensor({term_sum}, at::kDouble);
  comm.all_reduce(loss, ReduceOp::sum);
  const double expected_loss = expected.tensor("loss").item<double>();
  EXPECT_NEAR(loss.item<double>() / global_rows, expected_loss, 1e-5 * std::abs(expected_loss));

  int gradients = 0;
  for (const auto& [name, grad] : sharded.full_gradients(comm)) {
    if (!expected.contains("grad." + name)) continue;
    ++gradients;
    const at::Tensor want = expected.tensor("grad." + name);
    const double tolerance = 1e-4 * want.abs().max().item<double>();
    EXPECT_LT((grad - want).abs().max().item<double>(), tolerance) << name;
  }
  EXPECT_EQ(gradients, 3);

  // One plain SGD step on the owned slices, then every weight against the reference.
  for (int64_t u = 0; u < sharded.num_units(); ++u) sharded.unit(u).master().add_(sharded.unit(u).grad(), -lr);
  const auto after = SafetensorsModel::open(root + "/expected/" + param.sgd_folder);
  int compared = 0;
  for (const auto& [name, value] : sharded.full_parameters(comm)) {
    EXPECT_LT((value - after.tensor(name)).abs().max().item<double>(), 1e-5) << name;
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<int>(after.names().size()));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FsdpStep,
                         ::testing::Values(StepCase{"fixtures", "policy-f32", "sppo_step", "sppo_sgd_step", 1, false},
                                           StepCase{"fixtures", "policy-f32", "sppo_step", "sppo_sgd_step", 2, false},
                                           StepCase{"fixtures", "policy-f32", "sppo_step", "sppo_sgd_step", 2, true},
                                           StepCase{"fixtures", "policy-f32", "sppo_step_offset", "sppo_sgd_step_offset", 1, true},
                                           StepCase{"fixtures", "policy-f32", "sppo_step_offset", "sppo_sgd_step_offset", 2, false},
                                           StepCase{"families", "llama3-f32", "llama3_step", "llama3_sgd_step", 1, true},
                                           StepCase{"families", "llama3-f32", "llama3_step", "llama3_sgd_step", 2, false},
                                           StepCase{"families", "qwen2-f32", "qwen2_step", "qwen2_sgd_step", 1, false},
                                           StepCase{"families", "qwen2-f32", "qwen2_step", "qwen2_sgd_step", 2, true},
                                           StepCase{"families", "gemma2-f32", "gemma2_step", "gemma2_sgd_step", 1, true},
                                           StepCase{"families", "gemma2-f32", "gemma2_step", "gemma2_sgd_step", 2, false},
                                           // train.activation_checkpointing off: the same step
                                           StepCase{"fixtures", "policy-f32", "sppo_step", "sppo_sgd_step", 2, false, false},
                                           StepCase{"fixtures", "policy-f32", "sppo_step_offset", "sppo_sgd_step_offset", 1, true, false},
                                           StepCase{"families", "gemma2-f32", "gemma2_step", "gemma2_sgd_step", 2, true, false},
                                           StepCase{"families", "qwen2-f32", "qwen2_step", "qwen2_sgd_step", 1, false, false}));

}  // namespace
}  // namespace sppo
