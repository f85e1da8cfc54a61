#include "model/model_arch.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sppo {
namespace {

std::string error_of(const std::string& yaml) {
  try {
    parse_model_arch(yaml, "arch.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ModelArch, ReadsEveryKey) {
  const ModelArch a = parse_model_arch(
      "kind: pairrm\nseed: 3\nhidden_size: 32\nintermediate_size: 40\nlayers: 1\nheads: 2\nposition_buckets: 8\n"
      "max_position_embeddings: 128\ninitializer_range: 0.5\ntokenizer_text: t.txt\nvocab_size: 400\n"
      "tokenizer_type: bpe\nbyte_fallback: true\n",
      "arch.yaml");
  EXPECT_EQ(a.kind, ModelKind::pairrm);
  EXPECT_EQ(a.seed, 3);
  EXPECT_EQ(a.position_buckets, 8);
  EXPECT_DOUBLE_EQ(a.initializer_range, 0.5);
  EXPECT_EQ(a.tokenizer_type, "bpe");
  EXPECT_TRUE(a.byte_fallback);
}

TEST(ModelArch, BadValuesNameFileLineAndKey) {
  EXPECT_EQ(error_of("kind: gpt\ntokenizer_text: t\n"), "arch.yaml:1: kind = gpt: expected one of llama, llama3, qwen2, qwen3, gemma2, pairrm");
  EXPECT_EQ(error_of("tokenizer_text: t\nhidden_size: 1000000\n"), "arch.yaml:2: hidden_size = 1000000: must be in [4, 4096] (init-model builds test and demo models)");
  EXPECT_EQ(error_of("tokenizer_text: t\nlayers: -1\n"), "arch.yaml:2: layers = -1: must be in [1, 64] (init-model builds test and demo models)");
  EXPECT_EQ(error_of("tokenizer_text: t\nvocab_size: many\n"), "arch.yaml:2: vocab_size = many: expected an integer");
  EXPECT_NE(error_of("tokenizer_text: t\nhiden_size: 4\n").find("arch.yaml:2: unknown key hiden_size"), std::string::npos);
  EXPECT_EQ(error_of("kind: llama\n"), "arch.yaml: tokenizer_text: missing (the text file the tokenizer is trained on)");
  EXPECT_EQ(error_of("tokenizer_text: t\nhidden_size: 30\nheads: 4\n"), "arch.yaml: hidden_size = 30: must be a multiple of heads (or give head_dim)");
  EXPECT_EQ(error_of("kind: pairrm\ntokenizer_text: t\nhidden_size: 30\nheads: 4\n"), "arch.yaml: hidden_size = 30: must be a multiple of heads");
  EXPECT_EQ(error_of("tokenizer_text: t\nheads: 4\nkv_heads: 3\n"), "arch.yaml: heads = 4: must be a multiple of kv_heads");
  EXPECT_EQ(error_of("[1, 2]\n"), "arch.yaml: expected a mapping of keys (kind, hidden_size, ...)");
}

TEST(ModelArch, FamilyKindsTakeTheirOwnKeysAndRefuseTheOthers) {
  const ModelArch q = parse_model_arch("kind: qwen3\ntokenizer_text: t\nhidden_size: 64\nheads: 4\nhead_dim: 32\n", "a.yaml");
  EXPECT_EQ(q.kind, ModelKind::qwen3);
  EXPECT_EQ(q.head_dim, 32);
  EXPECT_TRUE(byte_level_kind(q.kind));
  const ModelArch g = parse_model_arch("kind: gemma2\ntokenizer_text: t\nvocab_size: 400\nsliding_window: 6\n", "a.yaml");
  EXPECT_EQ(g.tokenizer_type, "bpe");
  EXPECT_TRUE(g.byte_fallback) << "Gemma's SentencePiece falls back to bytes";
  EXPECT_EQ(g.sliding_window, 6);
  EXPECT_EQ(error_of("kind: llama3\ntokenizer_text: t\ntokenizer_type: unigram\n"),
            "arch.yaml: tokenizer_type: a llama3 policy trains a byte-level BPE tokenizer (no SentencePiece options)");
  EXPECT_EQ(error_of("kind: qwen2\ntokenizer_text: t\nvocab_size: 200\n"),
            "arch.yaml: vocab_size = 200: a byte-level BPE needs more than its 256 byte ids");
  EXPECT_EQ(error_of("kind: gemma2\ntokenizer_text: t\ntie_word_embeddings: false\n"),
            "arch.yaml: tie_word_embeddings = false: Gemma-2 always ties its embeddings");
  EXPECT_EQ(error_of("kind: gemma2\ntokenizer_text: t\nvocab_size: 100\n"),
            "arch.yaml: vocab_size must be at least 300 with byte_fallback (256 byte pieces)");
  EXPECT_EQ(error_of("kind: pairrm\ntokenizer_text: t\ntie_word_embeddings: true\n"),
            "arch.yaml: tie_word_embeddings: only policies have it");
  EXPECT_EQ(error_of("kind: qwen2\ntokenizer_text: t\nsliding_window: 8\n"), "arch.yaml: sliding_window: only gemma2 policies have one");
  EXPECT_EQ(error_of("kind: qwen3\ntokenizer_text: t\nhidden_size: 64\nheads: 4\nhead_dim: 15\n"),
            "arch.yaml: the head dimension must be even (rotary embeddings)");
}

}  // namespace
}  // namespace sppo
