// The fixture checks of every stage on the compute device that SPPO_TEST_DEVICE names (cpu
// unless set; scripts/gpu-check sets cuda): the policy's logits, greedy continuations through
// the KV cache, the sampler's device path, PairRM's logits and one sharded SPPO step through
// the communicator dist.backend auto picks for that device (MPI on the CPU, NCCL on a GPU).
// Tolerances are the CPU's; TF32 is off so that fp32 on a GPU is fp32. Runs under mpiexec
// -n 1, 2 and 3 in ctest, and as a singleton on a machine without mpiexec.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "dist/communicator.hpp"
#include "generate/engine.hpp"
#include "io/safetensors.hpp"
#include "model/pairrm.hpp"
#include "test_support.hpp"
#include "train/fsdp_step.hpp"
#include "train/sharded_model.hpp"

namespace sppo {
namespace {

c10::Device test_device() {
  const char* v = std::getenv("SPPO_TEST_DEVICE");
  at::globalContext().setAllowTF32CuBLAS(false);
  at::globalContext().setAllowTF32CuDNN(false);
  return c10::Device(v && *v ? v : "cpu");
}

double max_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kCPU).to(at::kDouble) - b.to(at::kCPU).to(at::kDouble)).abs().max().item<double>();
}

TEST(OnDevice, PolicyLogitsMatchTheReference) {
  const c10::Device device = test_device();
  const auto expected = SafetensorsModel::open(test::fixtures() + "/expected/policy_forward.safetensors");
  const CausalLM model = CausalLM::load(test::fixtures() + "/policy-f32", at::kFloat, device);
  ASSERT_EQ(model.device(), device);
  const at::Tensor ids = expected.tensor("input_ids").to(device), mask = expected.tensor("attention_mask").to(device);
  const at::Tensor logits = model.logits(ids, attention_from_mask(mask));
  EXPECT_EQ(logits.device(), device);
  const at::Tensor real = expected.tensor("attention_mask").to(at::kBool).unsqueeze(-1);
  EXPECT_LT(max_diff(logits.to(at::kCPU) * real, expected.tensor("logits") * real), 1e-5);
}

TEST(OnDevice, GreedyContinuationsMatchTheReference) {
  const c10::Device device = test_device();
  const auto expected = SafetensorsModel::open(test::fixtures() + "/expected/policy_greedy.safetensors");
  const CausalLM model = CausalLM::load(test::fixtures() + "/policy-f32", at::kFloat, device);
  const at::Tensor ids = expected.tensor("prompt_ids").contiguous(), lengths = expected.tensor("prompt_lengths");
  std::vector<std::vector<int32_t>> prompts;
  for (int64_t i = 0; i < ids.size(0); ++i) {
    const int64_t n = lengths[i].item<int64_t>();
    const int64_t* row = ids[i].data_ptr<int64_t>() + (ids.size(1) - n);
    prompts.emplace_back(row, row + n);
  }
  SamplingParams greedy;
  greedy.temperature = 0;
  greedy.max_new_tokens = 24;
  greedy.stop_at_eos = false;
  const auto out = generate_samples(model, prompts, {0, 1, 2}, 1, greedy, {});
  ASSERT_EQ(out.size(), prompts.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const at::Tensor want = expected.tensor("greedy_tokens_batched")[static_cast<int64_t>(i)].contiguous();
    EXPECT_EQ(out[i].tokens, std::vector<int32_t>(want.data_ptr<int64_t>(), want.data_ptr<int64_t>() + want.numel()))
        << "prompt " << i;
  }
}

// On the CPU the sorted path must agree row for row (sampler_test); on a GPU its softmax
// rounds differently from the CPU's, so a pick at a boundary may move: at most 1 row in 100.
TEST(OnDevice, TheSamplerOnTheDevicePicksWhatTheCpuPicks) {
  const c10::Device device = test_device();
  at::manual_seed(5);
  const at::Tensor logits = at::randn({256, 32000}) * 3;
  std::vector<double> u(256);
  for (std::size_t r = 0; r < u.size(); ++r) u[r] = (static_cast<double>(r) + 0.5) / static_cast<double>(u.size());
  SamplingParams p;  // T 0.7, top-p 0.9
  const at::Tensor cpu = sample_tokens(logits, u, p);
  const at::Tensor on_device = sample_tokens(logits.to(device), u, p);
  EXPECT_EQ(on_device.device(), device);
  const int64_t differ = cpu.ne(on_device.to(at::kCPU)).sum().item<int64_t>();
  if (device.is_cpu()) {
    EXPECT_EQ(differ, 0);
  }
  EXPECT_LE(differ, 2) << differ << " of 256 rows differ";
}

TEST(OnDevice, PairRmLogitsMatchTheReference) {
  const c10::Device device = test_device();
  const auto expected = SafetensorsModel::open(test::fixtures() + "/expected/ranker_forward.safetensors");
  const PairRanker ranker = PairRanker::load(test::fixtures() + "/ranker-f32", at::kFloat, device);
  ASSERT_EQ(ranker.device(), device);
  const at::Tensor logits =
      ranker.logits(expected.tensor("input_ids").to(device), expected.tensor("attention_mask").to(device));
  EXPECT_LT(max_diff(logits, expected.tensor("logits")), 1e-4);
}

// One SPPO step of the sharded policy, every rank's slices on the device, the collectives
// through make_communicator(auto): the loss, the gradients and every weight after SGD.
TEST(OnDevice, OneShardedSppoStepMatchesTheReference) {
  const c10::Device device = test_device();
  const RankGroup world = RankGroup::duplicate(MPI_COMM_WORLD);
  const auto comm = make_communicator(Backend::automatic, device, world);
  EXPECT_EQ(comm->device(), device);
  EXPECT_EQ(comm->backend(), device.is_cuda() ? "nccl" : "mpi");
  const auto expected = SafetensorsModel::open(test::fixtures() + "/expected/sppo_step.safetensors");
  ShardedModel sharded = ShardedModel::load(test::fixtures() + "/policy-f32", *comm);
  EXPECT_EQ(sharded.unit(0).master().device(), device);
  TrainRows all{expected.tensor("input_ids"), expected.tensor("attention_mask"), expected.tensor("response_start"),
                expected.tensor("ref_logp"), expected.tensor("p_w")};
  std::vector<int64_t> mine;
  for (int64_t i = comm->rank(); i < all.rows(); i += comm->size()) mine.push_back(i);
  const at::Tensor index = at::tensor(mine, at::kLong);
  const TrainRows local{all.ids.index_select(0, index), all.mask.index_select(0, index),
                        all.response_start.index_select(0, index), all.ref_logp.index_select(0, index),
                        all.win_prob.index_select(0, index)};
  const double beta = expected.tensor("beta").item<double>(), lr = expected.tensor("lr").item<double>();
  at::Tensor loss = at::tensor({accumulate_sppo_gradients(sharded, *comm, local, all.rows(), beta, at::kFloat, nullptr)},
                               at::kDouble)
                        .to(device);
  comm->all_reduce(loss, ReduceOp::sum);
  const double want = expected.tensor("loss").item<double>();
  EXPECT_NEAR(loss.item<double>() / static_cast<double>(all.rows()), want, 1e-5 * std::abs(want));
  int gradients = 0;
  for (const auto& [name, grad] : sharded.full_gradients(*comm)) {
    if (!expected.contains("grad." + name)) continue;
    ++gradients;
    const at::Tensor g = expected.tensor("grad." + name);
    EXPECT_LT(max_diff(grad, g), 1e-4 * g.abs().max().item<double>()) << name;
  }
  EXPECT_EQ(gradients, 3);
  for (int64_t u = 0; u < sharded.num_units(); ++u) sharded.unit(u).master().add_(sharded.unit(u).grad(), -lr);
  const auto after = SafetensorsModel::open(test::fixtures() + "/expected/sppo_sgd_step");
  int compared = 0;
  for (const auto& [name, value] : sharded.full_parameters(*comm)) {
    EXPECT_LT(max_diff(value, after.tensor(name)), 1e-5) << name;
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<int>(after.names().size()));
}

}  // namespace
}  // namespace sppo
