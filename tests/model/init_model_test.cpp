#include "model/init_model.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "model/causal_lm.hpp"
#include "model/pairrm.hpp"
#include "model/chat_format.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

std::string corpus(const test::TempDir& dir) {
  std::string text;
  for (int i = 0; i < 60; ++i)
    text += "the tide rises and falls twice a day because the moon pulls on the sea " + std::to_string(i % 7) + "\n";
  test::write_file(dir.file("corpus.txt"), text);
  return dir.file("corpus.txt");
}

ModelArch llama(const std::string& text) {
  return parse_model_arch("kind: llama\nseed: 5\nhidden_size: 16\nintermediate_size: 24\nlayers: 2\nheads: 2\n"
                          "kv_heads: 1\nvocab_size: 60\ntokenizer_text: " + text + "\n",
                          "llama.yaml");
}

TEST(InitModel, NormalsAreStandardAndReproducible) {
  double sum = 0, sq = 0;
  const int n = 20000;
  for (int k = 0; k < n; ++k) {
    const double z = init_normal(3, 1, static_cast<uint64_t>(k));
    sum += z;
    sq += z * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.03);
  EXPECT_NEAR(sq / n, 1.0, 0.05);
  EXPECT_EQ(init_normal(3, 1, 17), init_normal(3, 1, 17));
  EXPECT_NE(init_normal(3, 1, 17), init_normal(4, 1, 17));
  EXPECT_NE(init_normal(3, 1, 17), init_normal(3, 2, 17));
}

TEST(InitModel, BuildsALoadableLlamaThatTheSameSeedRebuildsBitForBit) {
  test::TempDir dir;
  const ModelArch arch = llama(corpus(dir));
  const InitModelResult r = init_model(arch, dir.file("a"));
  EXPECT_TRUE(r.built);
  EXPECT_GT(r.parameters, 1000);
  const CausalLM model = CausalLM::load(dir.file("a"), at::kFloat);
  EXPECT_EQ(model.config().hidden_size, 16);
  EXPECT_EQ(model.config().vocab_size, r.vocab_size);
  const PolicyTokenizer tok(dir.file("a"));
  const auto ids = ChatFormat::resolve("none", std::nullopt, tok).prompt_ids("the moon pulls");
  // Its tokenizer_config.json carries Mistral's chat template: auto gives the built-in ids.
  EXPECT_EQ(ChatFormat::resolve("auto", std::nullopt, tok).prompt_ids("the moon pulls"),
            ChatFormat::resolve("mistral", std::nullopt, tok).prompt_ids("the moon pulls"));
  EXPECT_EQ(ids.front(), 1);
  EXPECT_EQ(tok.decode({ids.begin() + 1, ids.end()}), "the moon pulls");
  // Again: nothing is written; the same arch elsewhere gives the same bytes.
  EXPECT_FALSE(init_model(arch, dir.file("a")).built);
  init_model(arch, dir.file("b"));
  EXPECT_EQ(test::read_file(dir.file("a/model.safetensors")), test::read_file(dir.file("b/model.safetensors")));
  ModelArch other = arch;
  other.seed = 6;
  EXPECT_THROW(init_model(other, dir.file("a")), ConfigError);  // never overwrites another model
  init_model(other, dir.file("c"));
  EXPECT_NE(test::read_file(dir.file("a/model.safetensors")), test::read_file(dir.file("c/model.safetensors")));
}

TEST(InitModel, BuildsAPairRmThatScoresPairs) {
  test::TempDir dir;
  const ModelArch arch = parse_model_arch("kind: pairrm\nseed: 2\nhidden_size: 16\nintermediate_size: 32\nlayers: 1\n"
                                          "heads: 2\nposition_buckets: 8\ninitializer_range: 0.2\nvocab_size: 60\n"
                                          "tokenizer_text: " + corpus(dir) + "\n",
                                          "ranker.yaml");
  init_model(arch, dir.file("r"));
  // Every attribute LLM-Blender's DebertaV2PairRM reads from config.json is there.
  const auto config = nlohmann::json::parse(test::read_file(dir.file("r/config.json")));
  for (const char* key : {"n_tasks", "drop_out", "sep_token_id", "source_prefix_id", "cand_prefix_id", "cand1_prefix_id",
                          "cand2_prefix_id", "hidden_size"})
    EXPECT_TRUE(config.contains(key)) << key;
  const PairRanker ranker = PairRanker::load(dir.file("r"), at::kFloat);
  const auto row = ranker.tokenizer().pair_row("why tides?", "the moon pulls", "the sea rises");
  EXPECT_EQ(row.front(), 1);  // [CLS]
  const auto swapped = ranker.tokenizer().pair_row("why tides?", "the sea rises", "the moon pulls");
  at::Tensor ids = at::tensor(std::vector<int64_t>(row.begin(), row.end())).unsqueeze(0);
  at::Tensor ids2 = at::tensor(std::vector<int64_t>(swapped.begin(), swapped.end())).unsqueeze(0);
  const double a = ranker.logits(ids, at::ones_like(ids)).item<double>();
  const double b = ranker.logits(ids2, at::ones_like(ids2)).item<double>();
  EXPECT_TRUE(std::isfinite(a) && std::isfinite(b));
  EXPECT_NE(a, b);  // a random but real judge: the order of the candidates matters
}

TEST(InitModel, MissingTokenizerTextIsOneClearError) {
  test::TempDir dir;
  try {
    init_model(llama(dir.file("nope.txt")), dir.file("x"));
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("nope.txt"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sppo
