// init-model for every policy family: the folder loads through the registry with the family's
// shape, its tokenizer and chat template are the family's (the end of turn found by probing the
// template), its config.json holds every key the family's Hugging Face config writes (the keys of
// the reference-made fixture folders), the same seed gives the same bytes, and a tokenizer text
// too small for vocab_size is refused (byte-level BPE) or said plainly (SentencePiece).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.hpp"
#include "model/causal_lm.hpp"
#include "model/chat_format.hpp"
#include "model/init_model.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

struct FamilyCase {
  const char* kind;
  const char* model_type;
  const char* fixture;      // tests/data/families/<fixture>/config.json: the keys HF writes
  const char* end_of_turn;  // what the chat template ends an assistant turn with
};

class InitPolicy : public ::testing::TestWithParam<FamilyCase> {
 protected:
  static ModelArch arch(const std::string& kind, const std::string& extra = "") {
    return parse_model_arch("kind: " + kind + "\nseed: 4\nhidden_size: 32\nintermediate_size: 48\nlayers: 2\nheads: 4\n"
                            "kv_heads: 2\nvocab_size: 400\ntokenizer_text: data/tokenizer_corpus.txt\n" + extra,
                            kind + ".yaml");
  }
};

std::set<std::string> keys_of(const std::string& path) {
  std::set<std::string> keys;
  const nlohmann::json j = nlohmann::json::parse(test::read_file(path));
  for (const auto& [k, v] : j.items()) keys.insert(k);
  return keys;
}

TEST_P(InitPolicy, BuildsTheFamilysFolder) {
  const FamilyCase c = GetParam();
  test::TempDir dir;
  const InitModelResult r = init_model(arch(c.kind), dir.file("p"));
  ASSERT_TRUE(r.built);
  EXPECT_TRUE(r.notice.empty()) << r.notice;
  const CausalLM model = CausalLM::load(dir.file("p"), at::kFloat);
  const CausalLmConfig& config = model.config();
  EXPECT_EQ(config.model_type, c.model_type);
  EXPECT_EQ(config.vocab_size, r.vocab_size);
  EXPECT_TRUE(config.tie_word_embeddings);
  const std::string kind = c.kind;
  if (kind == "llama3") {
    EXPECT_EQ(config.rope_scaling, RopeScaling::llama3);
  }
  if (kind == "qwen2") {
    EXPECT_TRUE(config.qkv_bias);
  }
  if (kind == "qwen3") {
    EXPECT_TRUE(config.qk_norm);
  }
  if (kind == "gemma2") {
    EXPECT_TRUE(config.attn_logit_softcap && config.final_logit_softcap && config.sandwich_norms);
    EXPECT_EQ(config.window(0).value(), 16);
    EXPECT_FALSE(config.window(1).has_value());
    // Gemma stores w of x̂·(1 + w): zero norm weights are the identity scale.
    EXPECT_EQ(model.unit(1).front().abs().max().item<float>(), 0.0f);
  }

  // config.json holds every key transformers' config class wrote for the reference fixture.
  const std::set<std::string> ours = keys_of(dir.file("p/config.json"));
  for (const std::string& key : keys_of(test::families() + "/" + c.fixture + "/config.json"))
    if (key != "transformers_version") {
      EXPECT_TRUE(ours.count(key)) << c.kind << ": config.json lacks " << key;
    }

  // The tokenizer and chat template are the family's: auto finds the end of turn, a prompt
  // renders, a response ends with it and decodes back.
  const PolicyTokenizer tok(dir.file("p"));
  EXPECT_EQ(tok.vocab_size(), r.vocab_size);
  const ChatFormat format = ChatFormat::resolve("auto", std::nullopt, tok);
  EXPECT_EQ(format.end_of_turn_token(), c.end_of_turn);
  const auto prompt = format.prompt_ids("Why does the tide rise?");
  const auto response = format.response_ids("The moon pulls on the sea.");
  EXPECT_EQ(response.back(), format.end_of_turn_id());
  EXPECT_EQ(tok.decode({response.begin(), response.end() - 1}), "The moon pulls on the sea.");
  EXPECT_NE(tok.decode_as_hf(prompt, false).find("Why does the tide rise?"), std::string::npos);
  const auto stops = tok.stop_ids();
  EXPECT_NE(std::find(stops.begin(), stops.end(), format.end_of_turn_id()), stops.end()) << "generation stops at the end of turn";

  // The same arch elsewhere: the same bytes.
  init_model(arch(c.kind), dir.file("q"));
  for (const char* file : {"model.safetensors", "config.json", "tokenizer_config.json"})
    EXPECT_EQ(test::read_file(dir.file(std::string("p/") + file)), test::read_file(dir.file(std::string("q/") + file))) << file;
}

INSTANTIATE_TEST_SUITE_P(Families, InitPolicy,
                         ::testing::Values(FamilyCase{"llama3", "llama", "llama3-f32", "<|eot_id|>"},
                                           FamilyCase{"qwen2", "qwen2", "qwen2-f32", "<|im_end|>"},
                                           FamilyCase{"qwen3", "qwen3", "qwen2-f32", "<|im_end|>"},
                                           FamilyCase{"gemma2", "gemma2", "gemma2-f32", "<end_of_turn>"}),
                         [](const auto& info) { return std::string(info.param.kind); });

TEST(InitPolicy, ATextTooSmallForTheVocabularyIsRefusedOrSaidPlainly) {
  test::TempDir dir;
  test::write_file(dir.file("small.txt"), "the moon pulls the sea\nthe sea rises\n");
  const std::string base = "seed: 1\nhidden_size: 16\nintermediate_size: 16\nlayers: 1\nheads: 2\nkv_heads: 1\n"
                           "tokenizer_text: " + dir.file("small.txt") + "\n";
  try {
    init_model(parse_model_arch("kind: qwen2\nvocab_size: 2000\n" + base, "q.yaml"), dir.file("q"));
    FAIL() << "a byte-level BPE cannot reach 2000 ids from two lines";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer_text: the corpus gives only"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("q")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("q.partial"))) << "nothing is left behind";
  const InitModelResult r = init_model(parse_model_arch("kind: llama\nvocab_size: 2000\n" + base, "l.yaml"), dir.file("l"));
  EXPECT_LT(r.vocab_size, 2000);
  EXPECT_EQ(r.notice, dir.file("small.txt") + " gives " + std::to_string(r.vocab_size) +
                          " SentencePiece pieces, fewer than vocab_size 2000 in l.yaml: the vocabulary has " +
                          std::to_string(r.vocab_size) + " (give more text for more)");
  EXPECT_EQ(init_model(parse_model_arch("kind: llama\nvocab_size: 2000\n" + base, "l.yaml"), dir.file("l")).notice, r.notice)
      << "an unchanged folder reports it again";
}

}  // namespace
}  // namespace sppo
