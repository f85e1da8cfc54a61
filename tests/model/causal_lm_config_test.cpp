#include "model/causal_lm_config.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "model/architectures.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

std::string error_of(const std::string& json) {
  try {
    parse_causal_lm_config(json, "config.json");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

const std::string kSizes =
    R"("vocab_size":512,"hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":160)";

std::string with(const std::string& model_type, const std::string& extra = "") {
  return "{\"model_type\":\"" + model_type + "\"," + kSizes + (extra.empty() ? "" : "," + extra) + "}";
}

TEST(CausalLmConfig, ReadsTheMistralFixture) {
  const CausalLmConfig c = read_causal_lm_config(test::fixtures() + "/policy-f32");
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
  EXPECT_FALSE(c.any_sliding_window());
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_EQ(c.eos_token_id, 2);
  EXPECT_DOUBLE_EQ(c.score_scale(), 0.25);
}

TEST(CausalLmConfig, ReadsTheLlama3FixtureWithItsRopeScaling) {
  const CausalLmConfig c = read_causal_lm_config(test::families() + "/llama3-f32");
  EXPECT_EQ(c.model_type, "llama");
  EXPECT_EQ(c.rope_scaling, RopeScaling::llama3);
  EXPECT_DOUBLE_EQ(c.rope_factor, 8.0);
  EXPECT_DOUBLE_EQ(c.rope_low_freq_factor, 1.0);
  EXPECT_DOUBLE_EQ(c.rope_high_freq_factor, 4.0);
  EXPECT_EQ(c.rope_original_max_positions, 64);
  EXPECT_DOUBLE_EQ(c.rope_theta, 500000.0);
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_EQ(c.eos_token_id, 559);  // the first of [559, 567]
  EXPECT_EQ(c.bos_token_id, 558);
  EXPECT_FALSE(c.qkv_bias);
}

TEST(CausalLmConfig, ReadsTheQwen2FixtureWithItsBiasesAndPaddedVocabulary) {
  const CausalLmConfig c = read_causal_lm_config(test::families() + "/qwen2-f32");
  EXPECT_EQ(c.model_type, "qwen2");
  EXPECT_TRUE(c.qkv_bias);
  EXPECT_FALSE(c.o_bias);
  EXPECT_FALSE(c.mlp_bias);
  EXPECT_EQ(c.vocab_size, 576);
  EXPECT_EQ(c.num_kv_heads, 1);
  EXPECT_FALSE(c.any_sliding_window());  // use_sliding_window false, sliding_window null
  EXPECT_EQ(c.rope_scaling, RopeScaling::none);
}

TEST(CausalLmConfig, ReadsTheGemma2FixtureWithEveryQuirk) {
  const CausalLmConfig c = read_causal_lm_config(test::families() + "/gemma2-f32");
  EXPECT_EQ(c.model_type, "gemma2");
  EXPECT_EQ(c.head_dim, 24);  // ≠ hidden / heads
  EXPECT_EQ(c.activation, Activation::gelu_tanh);
  EXPECT_TRUE(c.norm_plus_one);
  EXPECT_TRUE(c.sandwich_norms);
  EXPECT_TRUE(c.embedding_scaled);
  EXPECT_TRUE(c.tie_word_embeddings);  // no key in config.json: Gemma2Config's default
  EXPECT_DOUBLE_EQ(c.score_scale(), 1.0 / std::sqrt(32.0));
  EXPECT_DOUBLE_EQ(c.attn_logit_softcap.value(), 5.0);
  EXPECT_DOUBLE_EQ(c.final_logit_softcap.value(), 3.0);
  ASSERT_EQ(c.layer_window.size(), 4u);
  EXPECT_EQ(c.window(0).value(), 8);
  EXPECT_FALSE(c.window(1).has_value());
  EXPECT_EQ(c.window(2).value(), 8);
  EXPECT_FALSE(c.window(3).has_value());
}

TEST(CausalLmConfig, Qwen3HasQkNormAndItsOwnHeadDim) {
  const CausalLmConfig c = parse_causal_lm_config(with("qwen3", R"("head_dim":32,"tie_word_embeddings":true)"), "config.json");
  EXPECT_TRUE(c.qk_norm);
  EXPECT_FALSE(c.qkv_bias);
  EXPECT_EQ(c.head_dim, 32);
  EXPECT_DOUBLE_EQ(c.score_scale(), 1.0 / std::sqrt(32.0));
  const CausalLmConfig windowed = parse_causal_lm_config(
      with("qwen3", R"("use_sliding_window":true,"sliding_window":16,"max_window_layers":1)"), "config.json");
  EXPECT_FALSE(windowed.window(0).has_value());
  EXPECT_EQ(windowed.window(1).value(), 16);
}

TEST(CausalLmConfig, PublishedShapesHaveTheirParameterCounts) {
  const CausalLmConfig mistral = parse_causal_lm_config(
      R"({"model_type":"mistral","vocab_size":32000,"hidden_size":4096,"num_hidden_layers":32,
          "num_attention_heads":32,"num_key_value_heads":8,"intermediate_size":14336,"rope_theta":1e6,
          "sliding_window":4096,"eos_token_id":[2, 32000]})",
      "config.json");
  EXPECT_EQ(mistral.head_dim, 128);
  EXPECT_EQ(mistral.window(31).value(), 4096);
  EXPECT_EQ(mistral.eos_token_id, 2);
  EXPECT_NEAR(static_cast<double>(mistral.parameter_count()), 7.24e9, 0.01e9);
  const CausalLmConfig llama3 = parse_causal_lm_config(
      R"({"model_type":"llama","vocab_size":128256,"hidden_size":4096,"num_hidden_layers":32,
          "num_attention_heads":32,"num_key_value_heads":8,"intermediate_size":14336,"rope_theta":500000.0})",
      "config.json");
  EXPECT_NEAR(static_cast<double>(llama3.parameter_count()), 8.03e9, 0.01e9);
  const CausalLmConfig gemma2 = parse_causal_lm_config(
      R"({"model_type":"gemma2","vocab_size":256000,"hidden_size":3584,"num_hidden_layers":42,"head_dim":256,
          "num_attention_heads":16,"num_key_value_heads":8,"intermediate_size":14336,"query_pre_attn_scalar":256})",
      "config.json");
  EXPECT_NEAR(static_cast<double>(gemma2.parameter_count()), 9.24e9, 0.01e9);
  const CausalLmConfig qwen25 = parse_causal_lm_config(
      R"({"model_type":"qwen2","vocab_size":152064,"hidden_size":3584,"num_hidden_layers":28,
          "num_attention_heads":28,"num_key_value_heads":4,"intermediate_size":18944,"tie_word_embeddings":false})",
      "config.json");
  EXPECT_NEAR(static_cast<double>(qwen25.parameter_count()), 7.62e9, 0.01e9);
}

TEST(CausalLmConfig, AbsurdOrUnsupportedConfigsAreRefused) {
  EXPECT_EQ(error_of(with("gpt2")), "config.json: model_type = \"gpt2\": expected one of " + architecture_names());
  EXPECT_EQ(architecture_names(), "llama, mistral, qwen2, qwen3, gemma2");
  EXPECT_EQ(error_of(R"({"model_type":"llama","hidden_size":64})"), "config.json: vocab_size is missing");
  EXPECT_EQ(error_of(with("llama", R"("num_key_value_heads":3)")),
            "config.json: num_attention_heads = 4 is not a multiple of num_key_value_heads = 3");
  EXPECT_EQ(error_of(with("llama", R"("hidden_act":"gelu")")),
            "config.json: hidden_act = \"gelu\": only silu is implemented for this family");
  EXPECT_EQ(error_of(with("gemma2", R"("hidden_activation":"silu")")),
            "config.json: hidden_activation = \"silu\": only gelu_pytorch_tanh is implemented for this family");
  EXPECT_EQ(error_of(with("llama", R"("rope_scaling":{"rope_type":"yarn","factor":4.0})")),
            "config.json: rope_scaling.rope_type = \"yarn\": not implemented (llama3 and linear are)");
  EXPECT_EQ(error_of(with("llama", R"("rope_scaling":{"rope_type":"llama3","low_freq_factor":4.0,"high_freq_factor":1.0})")),
            "config.json: rope_scaling: high_freq_factor = 1.0: must exceed low_freq_factor");
  EXPECT_EQ(error_of(with("qwen2", R"("use_sliding_window":true)")), "config.json: sliding_window is missing");
  EXPECT_EQ(error_of(with("gemma2", R"("attention_bias":true)")),
            "config.json: attention_bias = true: not implemented for gemma2 (no release has it)");
  EXPECT_EQ(error_of(with("llama", R"("head_dim":15)")), "config.json: head_dim = 15: must be even (RoPE)");
  EXPECT_NE(error_of(R"({"model_type":"llama","vocab_size":4000000,"hidden_size":131072,"num_hidden_layers":4096,
                      "num_attention_heads":1024,"intermediate_size":1048576})").find("more than the 10^12"),
            std::string::npos);
  EXPECT_EQ(error_of(with("llama", R"("hidden_size":-1)")).rfind("config.json: ", 0), 0u);
  EXPECT_EQ(error_of("not json").rfind("config.json: not valid JSON", 0), 0u);
}

// Every family's keys that change the math and are not implemented: one error naming the key.
TEST(CausalLmConfig, EachFamilyRefusesWhatItDoesNotImplement) {
  struct Refusal {
    const char* model_type;
    const char* extra;
    const char* message;
  };
  const Refusal refusals[] = {
      {"llama", R"("hidden_act":"gelu")", "hidden_act = \"gelu\": only silu is implemented for this family"},
      {"llama", R"("rope_scaling":{"rope_type":"dynamic","factor":2.0})",
       "rope_scaling.rope_type = \"dynamic\": not implemented (llama3 and linear are)"},
      {"llama", R"("rope_scaling":{"type":"yarn","factor":2.0})",
       "rope_scaling.rope_type = \"yarn\": not implemented (llama3 and linear are)"},
      {"mistral", R"("hidden_act":"relu")", "hidden_act = \"relu\": only silu is implemented for this family"},
      {"mistral", R"("rope_scaling":{"rope_type":"longrope"})",
       "rope_scaling.rope_type = \"longrope\": not implemented (llama3 and linear are)"},
      {"qwen2", R"("hidden_act":"gelu")", "hidden_act = \"gelu\": only silu is implemented for this family"},
      {"qwen2", R"("rope_scaling":{"type":"yarn","factor":4.0})",
       "rope_scaling.rope_type = \"yarn\": not implemented (llama3 and linear are)"},
      {"qwen3", R"("hidden_act":"gelu")", "hidden_act = \"gelu\": only silu is implemented for this family"},
      {"qwen3", R"("rope_scaling":{"rope_type":"yarn","factor":4.0})",
       "rope_scaling.rope_type = \"yarn\": not implemented (llama3 and linear are)"},
      {"gemma2", R"("hidden_activation":"gelu")",
       "hidden_activation = \"gelu\": only gelu_pytorch_tanh is implemented for this family"},
      {"gemma2", R"("attention_bias":true)", "attention_bias = true: not implemented for gemma2 (no release has it)"},
      {"gemma2", R"("rope_scaling":{"rope_type":"dynamic"})",
       "rope_scaling.rope_type = \"dynamic\": not implemented (llama3 and linear are)"},
  };
  for (const Refusal& r : refusals)
    EXPECT_EQ(error_of(with(r.model_type, r.extra)), std::string("config.json: ") + r.message) << r.model_type << " " << r.extra;
  // What a family implements is read, not refused.
  for (const char* ok : {R"("attention_bias":true,"mlp_bias":true)", R"("rope_scaling":{"rope_type":"linear","factor":2.0})",
                         R"("rope_scaling":{"rope_type":"default"})", R"("rope_scaling":null)"})
    EXPECT_EQ(error_of(with("llama", ok)), "(no error)") << ok;
  EXPECT_EQ(error_of(with("gemma2", R"("final_logit_softcapping":null,"attn_logit_softcapping":null)")), "(no error)");
}

TEST(CausalLmConfig, EveryRegisteredFamilyNamesItsTransformersClass) {
  for (const auto& a : architectures()) {
    EXPECT_EQ(find_architecture(a.model_type), &a);
    EXPECT_NE(std::string(a.hf_class).find("ForCausalLM"), std::string::npos) << a.model_type;
  }
  EXPECT_EQ(find_architecture("gemma"), nullptr);
}

}  // namespace
}  // namespace sppo
