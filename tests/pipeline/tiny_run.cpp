#include "pipeline/tiny_run.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <map>

#include "io/safetensors.hpp"

namespace sppo::test {

const std::string& tiny_models() {
  static TempDir dir;
  static const bool built = [] {
    write_file(dir.file("policy.yaml"), "kind: llama\nseed: 1\nhidden_size: 32\nintermediate_size: 64\nlayers: 2\n"
                                        "heads: 2\nkv_heads: 1\nvocab_size: 400\ntokenizer_text: data/tokenizer_corpus.txt\n");
    write_file(dir.file("ranker.yaml"), "kind: pairrm\nseed: 2\nhidden_size: 32\nintermediate_size: 64\nlayers: 1\n"
                                        "heads: 2\nposition_buckets: 16\ninitializer_range: 0.2\nvocab_size: 400\n"
                                        "tokenizer_text: data/tokenizer_corpus.txt\n");
    for (const char* m : {"policy", "ranker"}) {
      const auto r = run_process({sppo_binary(), "init-model", "--arch", dir.file(std::string(m) + ".yaml"), "--out", dir.file(m)});
      EXPECT_EQ(r.exit_code, 0) << r.err;
    }
    return true;
  }();
  (void)built;
  return dir.path();
}

const std::string& tiny_family_policy(const std::string& kind) {
  static TempDir dir;
  static std::map<std::string, std::string> built;
  if (!built.count(kind)) {
    write_file(dir.file(kind + ".yaml"), "kind: " + kind + "\nseed: 1\nhidden_size: 32\nintermediate_size: 64\nlayers: 2\n"
                                         "heads: 2\nkv_heads: 1\nvocab_size: 400\n" +
                                         (kind == "gemma2" ? "sliding_window: 8\n" : "") + "tokenizer_text: data/tokenizer_corpus.txt\n");
    const auto r = run_process({sppo_binary(), "init-model", "--arch", dir.file(kind + ".yaml"), "--out", dir.file(kind)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    built[kind] = dir.file(kind);
  }
  return built[kind];
}

std::string write_config(const TempDir& dir) { return write_config_with_policy(dir, tiny_models() + "/policy"); }

std::string write_config_with_policy(const TempDir& dir, const std::string& policy) {
  const std::string path = dir.file("run.yaml");
  write_file(path, "run: {name: t, dir: " + dir.file("runs") + ", iterations: 2, seed: 3}\n"
                   "data: {prompts: tests/data/prompts.jsonl}\n"
                   "policy: {path: " + policy + "}\n"
                   "ranker: {type: pairrm, path: " + tiny_models() + "/ranker}\n"
                   "generate: {samples: 3, max_new_tokens: 8, max_prompt_length: 48, chunk_prompts: 4}\n"
                   "annotate: {batch_pairs: 16}\n"
                   "train: {lr: 3.0e-3, epochs: 2, global_batch: 4, micro_batch: 2, max_length: 64, "
                   "max_prompt_length: 48, checkpoint_every: 1, optimizer: adamw}\n"
                   "eval: {prompts: tests/data/eval_prompts.jsonl, max_new_tokens: 8}\n"
                   "dist: {threads_per_rank: 1}\n");
  return path;
}

double max_difference(const std::string& a, const std::string& b) {
  const auto x = SafetensorsModel::open(a), y = SafetensorsModel::open(b);
  double worst = 0;
  for (const auto& name : y.names()) worst = std::max(worst, (x.tensor(name) - y.tensor(name)).abs().max().item<double>());
  return worst;
}

void expect_same_results(const std::string& a, const std::string& b, int iterations) {
  for (int t = 0; t < iterations; ++t) {
    SCOPED_TRACE("iteration " + std::to_string(t));
    const std::string it = "/iter-" + std::to_string(t);
    const std::string sa = a + it + "/samples.h5", sb = b + it + "/samples.h5";
    EXPECT_EQ(dataset<int64_t>(sa, "/prompts/id"), dataset<int64_t>(sb, "/prompts/id"));
    EXPECT_EQ(dataset<int32_t>(sa, "/responses/tokens"), dataset<int32_t>(sb, "/responses/tokens"));
    EXPECT_EQ(dataset<float>(sa, "/pairrm/logits"), dataset<float>(sb, "/pairrm/logits"));
    EXPECT_EQ(dataset<float>(sa, "/pairrm/winrate"), dataset<float>(sb, "/pairrm/winrate"));
    const auto ra = dataset<float>(sa, "/reference/logp"), rb = dataset<float>(sb, "/reference/logp");
    ASSERT_EQ(ra.size(), rb.size());
    for (std::size_t i = 0; i < ra.size(); ++i) EXPECT_NEAR(ra[i], rb[i], 1e-4);
    EXPECT_LT(max_difference(a + it + "/policy", b + it + "/policy"), 1e-5);
  }
}

}  // namespace sppo::test
