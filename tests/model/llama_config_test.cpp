#include "model/llama_config.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

std::string error_of(const std::string& json) {
  try {
    parse_llama_config(json, "config.json");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LlamaConfig, ReadsTheFixture) {
  const LlamaConfig c = read_llama_config(test::fixtures() + "/policy-f32");
  EXPECT_EQ(c.model_type, "mistral");
  EXPECT_EQ(c.vocab_size, 512);
  EXPECT_EQ(c.hidden_size, 64);
  EXPECT_EQ(c.num_layers, 2);
  EXPECT_EQ(c.num_heads, 4);
  EXPECT_EQ(c.num_kv_heads, 2);
  EXPECT_EQ(c.kv_groups(), 2);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.intermediate_size, 160);
  EXPECT_DOUBLE_EQ(c.rope_theta, 1e6);
  EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-5);
  EXPECT_FALSE(c.sliding_window.has_value());
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_EQ(c.eos_token_id, 2);
}

TEST(LlamaConfig, DefaultsAndMistral7bShape) {
  const LlamaConfig c = parse_llama_config(
      R"({"model_type":"mistral","vocab_size":32000,"hidden_size":4096,"num_hidden_layers":32,
          "num_attention_heads":32,"num_key_value_heads":8,"intermediate_size":14336,"rope_theta":1e6,
          "sliding_window":4096,"eos_token_id":[2, 32000]})",
      "config.json");
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.sliding_window.value(), 4096);
  EXPECT_EQ(c.eos_token_id, 2);
  EXPECT_NEAR(static_cast<double>(c.parameter_count()), 7.24e9, 0.01e9);
}

TEST(LlamaConfig, AbsurdOrUnsupportedConfigsAreRefused) {
  const std::string base = R"("vocab_size":512,"hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":160)";
  EXPECT_EQ(error_of("{\"model_type\":\"gpt2\"," + base + "}"), "config.json: model_type = \"gpt2\": expected llama or mistral");
  EXPECT_EQ(error_of(R"({"model_type":"llama","hidden_size":64})"), "config.json: vocab_size is missing");
  EXPECT_EQ(error_of("{\"model_type\":\"llama\"," + base + ",\"num_key_value_heads\":3}"),
            "config.json: num_attention_heads = 4 is not a multiple of num_key_value_heads = 3");
  EXPECT_EQ(error_of("{\"model_type\":\"llama\"," + base + ",\"hidden_act\":\"gelu\"}"),
            "config.json: hidden_act = \"gelu\": only silu is implemented");
  EXPECT_EQ(error_of("{\"model_type\":\"llama\"," + base + ",\"rope_scaling\":{\"type\":\"linear\"}}"),
            "config.json: rope_scaling: not implemented (only plain RoPE)");
  EXPECT_NE(error_of(R"({"model_type":"llama","vocab_size":4000000,"hidden_size":131072,"num_hidden_layers":4096,
                      "num_attention_heads":1024,"intermediate_size":1048576})").find("more than the 10^12"),
            std::string::npos);
  EXPECT_EQ(error_of("{\"model_type\":\"llama\"," + base + ",\"hidden_size\":-1}").rfind("config.json: ", 0), 0u);
  EXPECT_EQ(error_of("not json").rfind("config.json: not valid JSON", 0), 0u);
}

}  // namespace
}  // namespace sppo
