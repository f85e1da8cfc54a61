// Generation speed on a ~20M-parameter Llama-shaped random model (vocab 32000, hidden 256,
// intermediate 688, 4 layers, 8 heads, 4 KV heads), K = 5, 64 prompts of 20-60 tokens,
// 128 new tokens at temperature 0.7 / top-p 0.9: the configuration of the Python peer
// figures in ENVIRONMENT.md. Prints, from one process:
//   * a 2048^3 fp32 matmul in GFLOP/s (the machine's yardstick),
//   * engine tokens/s with 8 prompts per call and with all 64 in one call,
//   * the time the same decode steps spend in their matmuls alone (the floor), and the decode
//     steps' own time (the engine's, less the prompts' prefill) as a multiple of it.
// With --write-model DIR it also writes the model as a Hugging Face folder (tokenizer from
// the fixtures) for bench/generate, which times `sppo generate` at 1 and 2 ranks.
//   build/bin/bench_generate [--threads N] [--new-tokens M] [--freed-memory keep|release] [--write-model DIR [--model-only 1]]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "generate/engine.hpp"
#include "bench_support.hpp"
#include "dist/blas_kernel.hpp"
#include "io/safetensors_writer.hpp"
#include "model/split_matmul.hpp"

namespace {

using sppo::bench::Clock;
using sppo::bench::matmul_gflops;
using sppo::bench::seconds_since;

sppo::CausalLmConfig bench_config() {
  sppo::CausalLmConfig c;
  c.model_type = "llama";
  c.vocab_size = 32000;
  c.hidden_size = 256;
  c.num_layers = 4;
  c.num_heads = 8;
  c.num_kv_heads = 4;
  c.head_dim = 32;
  c.intermediate_size = 688;
  c.rope_theta = 10000;
  c.rms_norm_eps = 1e-5;
  c.max_position_embeddings = 2048;
  return c;
}

std::vector<sppo::UnitParams> random_units(const sppo::CausalLmConfig& c) {
  std::vector<sppo::UnitParams> units;
  for (const auto& unit : sppo::causal_lm_unit_specs(c)) {
    sppo::UnitParams params;
    for (const auto& spec : unit)
      params.push_back(spec.shape.size() == 1 ? at::ones(spec.shape) : at::randn(spec.shape) * 0.02);
    units.push_back(std::move(params));
  }
  return units;
}

void write_model(const sppo::CausalLmConfig& c, const std::vector<sppo::UnitParams>& units, const std::string& dir) {
  std::vector<sppo::NamedTensor> tensors;
  const auto specs = sppo::causal_lm_unit_specs(c);
  for (std::size_t u = 0; u < specs.size(); ++u)
    for (std::size_t i = 0; i < specs[u].size(); ++i) tensors.push_back({specs[u][i].name, units[u][i]});
  std::system(("mkdir -p '" + dir + "' && cp tests/data/fixtures/policy-f32/tokenizer.model "
               "tests/data/fixtures/policy-f32/tokenizer_config.json '" + dir + "'").c_str());
  sppo::write_safetensors_folder(dir, tensors);
  std::ofstream(dir + "/config.json")
      << "{\"model_type\": \"llama\", \"vocab_size\": 32000, \"hidden_size\": 256, \"num_hidden_layers\": 4,"
         " \"num_attention_heads\": 8, \"num_key_value_heads\": 4, \"intermediate_size\": 688,"
         " \"rope_theta\": 10000.0, \"rms_norm_eps\": 1e-05, \"max_position_embeddings\": 2048,"
         " \"bos_token_id\": 1, \"eos_token_id\": 2, \"tie_word_embeddings\": false}\n";
}


}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  bool keep_heap = true;
  int64_t new_tokens = 128;
  bool model_only = false;
  std::string model_dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--freed-memory")) keep_heap = std::strcmp(argv[i + 1], "release") != 0;
    if (!std::strcmp(argv[i], "--write-model")) model_dir = argv[i + 1];
    if (!std::strcmp(argv[i], "--new-tokens")) new_tokens = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--model-only")) model_only = std::atoi(argv[i + 1]) != 0;
  }
  sppo::bench::keep_freed_memory_as_sppo_does(keep_heap);
  at::set_num_threads(threads);
  at::manual_seed(0);
  const sppo::CausalLmConfig config = bench_config();
  auto units = random_units(config);
  if (!model_dir.empty()) write_model(config, units, model_dir);
  if (model_only) {
    std::printf("matmul 2048^3 fp32: %.0f GFLOP/s\n", matmul_gflops());
    return 0;
  }
  const sppo::CausalLM model(config, units, at::kFloat);

  std::vector<std::vector<int32_t>> prompts;
  std::vector<int64_t> ids;
  for (int p = 0; p < 64; ++p) {
    const int64_t n = 20 + (p * 37) % 41;  // 20..60 tokens
    at::Tensor t = at::randint(3, 32000, {n}, at::kInt);
    prompts.emplace_back(t.data_ptr<int32_t>(), t.data_ptr<int32_t>() + n);
    ids.push_back(p);
  }
  sppo::SamplingParams params;
  params.temperature = 0.7;
  params.top_p = 0.9;
  params.max_new_tokens = new_tokens;

  std::printf("threads %d, %.1f M parameters, %s\n", threads, config.parameter_count() / 1e6,
              sppo::describe_blas_kernel(sppo::probe_blas_kernel()).c_str());
  std::printf("matmul 2048^3 fp32: %.0f GFLOP/s\n", matmul_gflops());
  for (int64_t per_call : {int64_t{8}, int64_t{64}}) {
    sppo::GenerationStats stats;
    const auto t = Clock::now();
    for (int64_t p = 0; p < 64; p += per_call) {
      std::vector<std::vector<int32_t>> chunk(prompts.begin() + p, prompts.begin() + p + per_call);
      std::vector<int64_t> chunk_ids(ids.begin() + p, ids.begin() + p + per_call);
      sppo::generate_samples(model, chunk, chunk_ids, 5, params, {42, 0}, &stats);
    }
    const double s = seconds_since(t);
    std::printf("engine, %2lld prompts per call: %lld tokens in %.2f s = %.0f tokens/s (%lld decode steps)\n",
                static_cast<long long>(per_call), static_cast<long long>(stats.generated_tokens), s,
                stats.generated_tokens / s, static_cast<long long>(stats.decode_steps));
    // The same decode steps' matmuls alone, as the engine runs them: per step, every layer's
    // fused q/k/v, o, fused gate/up and down projections, and the output matrix split over the
    // threads (split_matmul_out), on a batch of per_call * 5 rows (rows finished early are
    // ignored: an upper bound). Attention's products over the cache are not counted.
    const int64_t rows = per_call * 5, h = config.hidden_size;
    at::Tensor x = at::randn({rows, h}), mid = at::randn({rows, config.intermediate_size});
    const auto& layer = units[1];
    const at::Tensor qkv = at::cat({layer[1], layer[2], layer[3]}), gate_up = at::cat({layer[6], layer[7]});
    at::Tensor logits = at::empty({rows, config.vocab_size});
    const auto t2 = Clock::now();
    for (int64_t step = 0; step < stats.decode_steps; ++step) {
      for (int64_t l = 0; l < config.num_layers; ++l) {
        at::matmul(x, qkv.t());
        at::matmul(x, layer[4].t());  // o
        at::matmul(x, gate_up.t());
        at::matmul(mid, layer[8].t());  // down
      }
      sppo::split_matmul_out(logits, x, units.back()[1]);  // lm_head
    }
    const double matmuls = seconds_since(t2);
    std::printf("  matmuls alone for the same steps: %.2f s (%.0f%% of the engine's time)\n", matmuls, 100 * matmuls / s);
    // The measure: a decode step (the engine's time less the prefill) against its matmuls.
    std::printf("  decode steps %.2f s (prefill %.2f s): a decode step is %.2fx its matmuls\n", stats.decode_seconds,
                stats.prefill_seconds, stats.decode_seconds / matmuls);
    const double forward = stats.decode_seconds - stats.sample_seconds;
    std::printf("  of which the sampler %.2f s (%.0f%%): the steps' forward alone is %.2fx its matmuls\n",
                stats.sample_seconds, 100 * stats.sample_seconds / stats.decode_seconds, forward / matmuls);
  }
  return 0;
}
