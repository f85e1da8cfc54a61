// One model folder on one device (scripts/gpu-check runs it on a Mistral-7B-shaped bf16
// folder on the GPU; on the CPU it runs on any small folder): prints one JSON object with
//   * the device's measured yardsticks: a bf16 (or fp32 on the CPU) matmul's FLOP/s and a
//     device-to-device copy's bytes/s (the memory bandwidth of the roofline),
//   * prefill tokens/s (64 prompts of --prompt-tokens),
//   * decode tokens/s at batch 1 and 64 rows (greedy, --new-tokens), and the roofline's
//     tokens/s at batch 1 (one read of every weight per step: bandwidth ÷ weight bytes),
//   * one SPPO step (8 rows of --train-tokens, forward and backward, sharded over the one rank
//     through make_communicator(auto)): model FLOP/s = (6 × non-embedding params + 6 × the
//     head) × tokens ÷ seconds, and its share of the matmul yardstick,
//   * the device memory in use after each stage.
//   build/bin/bench_device --model DIR [--device cuda] [--dtype bfloat16] [--new-tokens 128]
//                          [--prompt-tokens 256] [--train-tokens 512] [--skip-train 1]
#include <ATen/ATen.h>
#include <mpi.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "bench_support.hpp"
#include "dist/communicator.hpp"
#include "dist/device.hpp"
#include "dist/rank_group.hpp"
#include "generate/engine.hpp"
#include "train/fsdp_step.hpp"
#include "train/sharded_model.hpp"

namespace {

using sppo::bench::Clock;
using sppo::bench::sync;
using sppo::bench::seconds_since;

double copy_bytes_per_second(c10::Device device) {
  const int64_t bytes = device.is_cuda() ? (int64_t{2} << 30) : (int64_t{256} << 20);
  const at::Tensor a = at::empty({bytes}, at::TensorOptions().device(device).dtype(at::kByte)).fill_(1);
  at::Tensor b = at::empty_like(a);
  b.copy_(a);
  sync(device);
  double best = 0;
  for (int i = 0; i < 3; ++i) {
    const auto t = Clock::now();
    b.copy_(a);
    sync(device);
    best = std::max(best, 2.0 * static_cast<double>(bytes) / seconds_since(t));  // read + write
  }
  return best;
}

// GiB in use on the device, or null (JSON) on the CPU.
std::string memory_gib(c10::Device device) {
  const int64_t bytes = sppo::device_memory_in_use(device);
  if (bytes < 0) return "null";
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", static_cast<double>(bytes) / (1 << 30));
  return text;
}

std::vector<std::vector<int32_t>> random_prompts(int64_t count, int64_t length, int64_t vocab) {
  std::vector<std::vector<int32_t>> prompts;
  for (int64_t p = 0; p < count; ++p) {
    const at::Tensor t = at::randint(3, vocab, {length}, at::kInt);
    prompts.emplace_back(t.data_ptr<int32_t>(), t.data_ptr<int32_t>() + length);
  }
  return prompts;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  std::map<std::string, std::string> flag{{"--device", "cuda"}, {"--dtype", "bfloat16"}, {"--new-tokens", "128"},
                                          {"--prompt-tokens", "256"}, {"--train-tokens", "512"}, {"--skip-train", "0"}};
  for (int i = 1; i + 1 < argc; i += 2) flag[argv[i]] = argv[i + 1];
  if (!flag.count("--model")) {
    std::fprintf(stderr, "usage: bench_device --model DIR [--device cuda|cpu] [--dtype bfloat16|float32] ...\n");
    return 1;
  }
  try {
    const c10::Device device(flag["--device"]);
    const at::ScalarType dtype = flag["--dtype"] == "float32" ? at::kFloat : at::kBFloat16;
    const int64_t new_tokens = std::stoll(flag["--new-tokens"]), prompt_tokens = std::stoll(flag["--prompt-tokens"]),
                  train_tokens = std::stoll(flag["--train-tokens"]);
    at::manual_seed(0);
    std::printf("{\"device\": \"%s\",\n", sppo::describe_device(device).c_str());
    const double peak = 1e9 * (device.is_cuda() ? sppo::bench::matmul_gflops(device, at::kBFloat16, 8192, 5)
                                                : sppo::bench::matmul_gflops(device, at::kFloat, 2048, 5));
    const double bandwidth = copy_bytes_per_second(device);
    std::printf(" \"matmul_tflops\": %.1f, \"copy_gb_per_s\": %.0f,\n", peak / 1e12, bandwidth / 1e9);

    auto t = Clock::now();
    const sppo::CausalLM model = sppo::CausalLM::load(flag["--model"], dtype, device);
    sync(device);
    const sppo::CausalLmConfig& c = model.config();
    const double params = static_cast<double>(c.parameter_count());
    const double weight_bytes = params * (dtype == at::kBFloat16 ? 2.0 : 4.0);
    std::printf(" \"parameters\": %.0f, \"load_s\": %.2f, \"memory_after_load_gib\": %s,\n", params, seconds_since(t),
                memory_gib(device).c_str());

    sppo::SamplingParams greedy;
    greedy.temperature = 0;
    greedy.stop_at_eos = false;
    // ---- prefill: 64 prompts, 1 new token
    {
      const auto prompts = random_prompts(64, prompt_tokens, c.vocab_size);
      std::vector<int64_t> ids(64);
      for (int64_t i = 0; i < 64; ++i) ids[static_cast<std::size_t>(i)] = i;
      greedy.max_new_tokens = 1;
      sppo::generate_samples(model, {prompts[0]}, {0}, 1, greedy, {});  // warm-up
      sync(device);
      t = Clock::now();
      sppo::generate_samples(model, prompts, ids, 1, greedy, {});
      sync(device);
      std::printf(" \"prefill_tokens_per_s\": %.0f,\n", 64.0 * static_cast<double>(prompt_tokens) / seconds_since(t));
    }
    // ---- decode at batch 1 and 64 rows
    greedy.max_new_tokens = new_tokens;
    for (int64_t rows : {int64_t{1}, int64_t{64}}) {
      const auto prompts = random_prompts(rows, 32, c.vocab_size);
      std::vector<int64_t> ids(static_cast<std::size_t>(rows));
      for (int64_t i = 0; i < rows; ++i) ids[static_cast<std::size_t>(i)] = i;
      sppo::GenerationStats stats;
      t = Clock::now();
      sppo::generate_samples(model, prompts, ids, 1, greedy, {}, &stats);
      sync(device);
      const double s = seconds_since(t);
      std::printf(" \"decode_batch%lld_tokens_per_s\": %.1f,\n", static_cast<long long>(rows),
                  static_cast<double>(stats.generated_tokens) / s);
    }
    std::printf(" \"roofline_batch1_tokens_per_s\": %.1f, \"memory_after_generate_gib\": %s,\n",
                bandwidth / weight_bytes, memory_gib(device).c_str());

    // ---- one SPPO step, sharded over this one rank (the same code as N ranks)
    if (flag["--skip-train"] != "1") {
      const sppo::RankGroup world = sppo::RankGroup::duplicate(MPI_COMM_WORLD);
      const auto comm = sppo::make_communicator(sppo::Backend::automatic, device, world);
      sppo::ShardedModel sharded = sppo::ShardedModel::load(flag["--model"], *comm);
      const int64_t rows = 8;
      sppo::TrainRows batch;
      batch.ids = at::randint(3, c.vocab_size, {rows, train_tokens}, at::kLong);
      batch.mask = at::ones({rows, train_tokens}, at::kLong);
      batch.response_start = at::full({rows}, train_tokens / 2, at::kLong);
      batch.ref_logp = at::zeros({rows});
      batch.win_prob = at::full({rows}, 0.5);
      sppo::accumulate_gradients(sharded, *comm, batch.slice(0, 2), sppo::LossKind::sppo, 0.001, rows, dtype);  // warm-up
      sync(device);
      t = Clock::now();
      sppo::accumulate_gradients(sharded, *comm, batch, sppo::LossKind::sppo, 0.001, rows, dtype);
      sync(device);
      const double s = seconds_since(t);
      // 6 × (non-embedding parameters + the head's vocab × hidden) per token; the layer
      // recomputation of the backward pass is not counted (model FLOPs, not hardware FLOPs).
      const double matrix = static_cast<double>(c.vocab_size * c.hidden_size);
      const double non_embedding = params - matrix * (c.tie_word_embeddings ? 1 : 2);
      const double flops = 6.0 * (non_embedding + matrix) * static_cast<double>(rows * train_tokens);
      std::printf(" \"train_step_s\": %.3f, \"train_model_tflops\": %.1f, \"train_mfu\": %.3f, "
                  "\"memory_after_train_gib\": %s,\n",
                  s, flops / s / 1e12, flops / s / peak, memory_gib(device).c_str());
    }
    std::printf(" \"dtype\": \"%s\"}\n", flag["--dtype"].c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_device: %s\n", e.what());
    MPI_Finalize();
    return 1;
  }
  MPI_Finalize();
  return 0;
}
