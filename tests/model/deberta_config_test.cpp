#include "model/deberta_config.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

std::string error_of(const std::string& extra) {
  try {
    parse_deberta_config(R"({"model_type": "deberta-v2", "vocab_size": 405, "hidden_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "intermediate_size": 128, "source_prefix_id": 401, "cand1_prefix_id": 402,
        "cand2_prefix_id": 403)" + extra + "}", "config.json");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(DebertaConfig, ReadsThePairRmFixture) {
  const DebertaConfig c = read_deberta_config(test::fixtures() + "/ranker-f32");
  EXPECT_EQ(c.hidden_size, 64);
  EXPECT_EQ(c.num_layers, 2);
  EXPECT_EQ(c.head_dim(), 16);
  EXPECT_EQ(c.position_buckets, 16);
  EXPECT_EQ(c.max_relative(), 512);
  EXPECT_TRUE(c.c2p && c.p2c);
  EXPECT_EQ(c.scale_factor(), 3);
  EXPECT_TRUE(c.norm_rel_ebd);
  EXPECT_DOUBLE_EQ(c.layer_norm_eps, 1e-7);
  EXPECT_EQ(c.source_prefix_id, 401);
  EXPECT_EQ(c.cand2_prefix_id, 403);
}

TEST(DebertaConfig, UnsupportedFeaturesAreNamed) {
  EXPECT_EQ(error_of(""), "(no error)");
  EXPECT_EQ(error_of(R"(, "position_biased_input": true)"),
            "config.json: position_biased_input = true: absolute position embeddings are not implemented");
  EXPECT_EQ(error_of(R"(, "type_vocab_size": 2)"), "config.json: type_vocab_size = 2: token type embeddings are not implemented");
  EXPECT_EQ(error_of(R"(, "share_att_key": false)"),
            "config.json: share_att_key = false: only share_att_key = true (DeBERTa-v3) is implemented");
  EXPECT_EQ(error_of(R"(, "pos_att_type": ["p2p"])"), "config.json: pos_att_type holds \"p2p\": only c2p and p2c are implemented");
  EXPECT_EQ(error_of(R"(, "source_prefix_id": 999)"), "config.json: source_prefix_id = 999: must be in [0, 404]");
  EXPECT_EQ(error_of(R"(, "num_attention_heads": 5)"), "config.json: hidden_size is not a multiple of num_attention_heads");
}

}  // namespace
}  // namespace sppo
