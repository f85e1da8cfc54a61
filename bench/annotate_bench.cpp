// PairRM speed on a deberta-v3-small-shaped random ranker (6 layers, hidden 768, 12 heads,
// intermediate 3072, 256 position buckets, vocab 128005) with realistic lengths (source
// 100-400 tokens, candidates 50-400), K = 5: all 20 ordered pairs of each prompt, scored
// one pair per forward (batch 1, as the official pipeline calls PairRM) and with sppo's
// length-sorted batches. Prints the 2048^3 matmul yardstick from the same process, the
// better of its runs before and after the pairs.
//   build/bin/bench_annotate [--threads N] [--prompts P] [--batch B] [--short 1] [--freed-memory keep|release]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <utility>
#include <vector>
#include <unistd.h>

#include "annotate/pair_batches.hpp"
#include "bench_support.hpp"
#include "io/safetensors_writer.hpp"

namespace {

using sppo::bench::Clock;
using sppo::bench::matmul_gflops;
using sppo::bench::seconds_since;

std::string write_random_ranker() {
  const std::string dir = "/tmp/sppo-bench-ranker-" + std::to_string(::getpid());
  std::system(("mkdir -p " + dir + " && cp tests/data/fixtures/ranker-f32/spm.model " + dir).c_str());
  const int64_t H = 768, I = 3072, V = 128005, S = 256;
  std::vector<sppo::NamedTensor> t;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, bool norm = false) {
    t.push_back({name, norm ? at::ones(shape) : at::randn(shape) * 0.02});
  };
  const std::string p = "pretrained_model.";
  add(p + "embeddings.word_embeddings.weight", {V, H});
  add(p + "embeddings.LayerNorm.weight", {H}, true);
  add(p + "embeddings.LayerNorm.bias", {H});
  add(p + "encoder.rel_embeddings.weight", {2 * S, H});
  add(p + "encoder.LayerNorm.weight", {H}, true);
  add(p + "encoder.LayerNorm.bias", {H});
  for (int l = 0; l < 6; ++l) {
    const std::string n = p + "encoder.layer." + std::to_string(l) + ".";
    for (const char* proj : {"query_proj", "key_proj", "value_proj"}) {
      add(n + "attention.self." + proj + ".weight", {H, H});
      add(n + "attention.self." + proj + ".bias", {H});
    }
    add(n + "attention.output.dense.weight", {H, H});
    add(n + "attention.output.dense.bias", {H});
    add(n + "attention.output.LayerNorm.weight", {H}, true);
    add(n + "attention.output.LayerNorm.bias", {H});
    add(n + "intermediate.dense.weight", {I, H});
    add(n + "intermediate.dense.bias", {I});
    add(n + "output.dense.weight", {H, I});
    add(n + "output.dense.bias", {H});
    add(n + "output.LayerNorm.weight", {H}, true);
    add(n + "output.LayerNorm.bias", {H});
  }
  add("head_layer.1.weight", {H, 2 * H});
  add("head_layer.1.bias", {H});
  add("head_layer.4.weight", {1, H});
  add("head_layer.4.bias", {1});
  sppo::write_safetensors(dir + "/model.safetensors", t);
  std::ofstream(dir + "/config.json")
      << "{\"model_type\": \"deberta-v2\", \"vocab_size\": 128005, \"hidden_size\": 768, \"num_hidden_layers\": 6,"
         " \"num_attention_heads\": 12, \"intermediate_size\": 3072, \"position_buckets\": 256,"
         " \"max_position_embeddings\": 512, \"max_relative_positions\": -1, \"pos_att_type\": [\"p2c\", \"c2p\"],"
         " \"relative_attention\": true, \"share_att_key\": true, \"norm_rel_ebd\": \"layer_norm\","
         " \"position_biased_input\": false, \"type_vocab_size\": 0, \"layer_norm_eps\": 1e-7, \"hidden_act\": \"gelu\","
         " \"pad_token_id\": 0, \"cls_token_id\": 1, \"sep_token_id\": 2, \"source_prefix_id\": 128001,"
         " \"cand1_prefix_id\": 128002, \"cand2_prefix_id\": 128003, \"n_tasks\": 1}\n";
  return dir;
}


// The encoder's matmul FLOPs for one row of L tokens (2 per multiply-add), the yardstick's
// kind of work: per layer the q/k/v/output projections 4·H², the feed-forward 2·H·I, per
// token; q·kᵀ and probs·v 2·L·H each; c2p and p2c against the 2S relative embeddings 2S·H each.
double encoder_flops(int64_t L) {
  const double H = 768, I = 3072, S2 = 512, layers = 6;
  const double per_token = 4 * H * H + 2 * H * I + 2 * L * H + 2 * S2 * H;
  return layers * 2 * static_cast<double>(L) * per_token;
}

std::vector<int32_t> random_ids(int64_t n) {
  at::Tensor t = at::randint(5, 128000, {n}, at::kInt);
  return {t.data_ptr<int32_t>(), t.data_ptr<int32_t>() + n};
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, prompts = 2, batch = 16;
  bool keep_heap = true;
  bool short_rows = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--freed-memory")) keep_heap = std::strcmp(argv[i + 1], "release") != 0;
    if (!std::strcmp(argv[i], "--prompts")) prompts = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--batch")) batch = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--short")) short_rows = std::atoi(argv[i + 1]) != 0;
  }
  sppo::bench::keep_freed_memory_as_sppo_does(keep_heap);
  at::set_num_threads(threads);
  at::manual_seed(0);
  const std::string dir = write_random_ranker();
  const sppo::PairRanker ranker = sppo::PairRanker::load(dir, at::kFloat);
  std::system(("rm -rf " + dir).c_str());

  std::vector<std::vector<int32_t>> rows;
  int64_t tokens = 0;
  double flops = 0;
  for (int p = 0; p < prompts; ++p) {
    // Realistic: source 100-400, candidates 50-400 tokens; --short 1: source 20-60, candidates 10-40.
    const auto source = short_rows ? random_ids(20 + (p * 97) % 41) : random_ids(100 + (p * 97) % 301);
    std::vector<std::vector<int32_t>> candidates;
    for (int k = 0; k < 5; ++k)
      candidates.push_back(short_rows ? random_ids(10 + (p * 131 + k * 71) % 31) : random_ids(50 + (p * 131 + k * 71) % 351));
    for (int a = 0; a < 5; ++a)
      for (int b = 0; b < 5; ++b)
        if (a != b) {
          rows.push_back(ranker.tokenizer().pair_row_from_ids(source, candidates[a], candidates[b]));
          tokens += static_cast<int64_t>(rows.back().size());
          flops += encoder_flops(static_cast<int64_t>(rows.back().size()));
        }
  }
  std::printf("threads %d, %zu pairs of %.0f tokens on average\n", threads, rows.size(), double(tokens) / rows.size());
  // The yardstick before and after the pairs, the higher of the two: on a shared machine one
  // measurement taken while a neighbour runs reads as low as 55 % of the other.
  const double before = matmul_gflops();
  std::printf("encoder matmuls: %.1f GFLOP per pair on average\n", flops / 1e9 / static_cast<double>(rows.size()));
  std::vector<std::pair<int, double>> seconds;
  for (int b : {1, batch}) {
    const auto t = Clock::now();
    sppo::score_pair_rows(ranker, rows, b);
    seconds.emplace_back(b, seconds_since(t));
  }
  const double after = matmul_gflops(), yardstick = std::max(before, after);
  std::printf("matmul 2048^3 fp32: %.0f GFLOP/s (before the pairs %.0f, after %.0f)\n", yardstick, before, after);
  for (const auto& [b, s] : seconds)
    std::printf("batch %2d: %.2f s = %.2f pairs/s = %.0f GFLOP/s over the encoder's matmuls (%.0f%% of the yardstick)\n", b,
                s, rows.size() / s, flops / 1e9 / s, 100 * flops / 1e9 / s / yardstick);
  return 0;
}
