#pragma once
// defines: sppo::CausalLmConfig, the architecture of a decoder-only causal LM as its family
// reads it from a Hugging Face config.json: sizes, RoPE (with llama3 / linear scaling), and the
// per-family choices the unit functions follow (biases, q/k norms, Gemma-2's sandwich norms,
// (1 + w) norms, GeGLU, softcapping, scaled embeddings, sliding windows per layer, tied
// embeddings). Which family sets which fields is the architecture registry's business
// (model/architectures.hpp); the math reads only these fields.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sppo {

enum class RopeScaling { none, linear, llama3 };
enum class Activation { silu, gelu_tanh };  // gelu_tanh: GELU's tanh approximation (gelu_pytorch_tanh)

struct CausalLmConfig {
  std::string model_type;  // "llama", "mistral", "qwen2", "qwen3", "gemma2"
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t intermediate_size = 0;
  double rms_norm_eps = 1e-6;

  // ---- RoPE: inv_freq_i = theta^(−2i/head_dim), then the scaling
  double rope_theta = 10000.0;
  RopeScaling rope_scaling = RopeScaling::none;
  double rope_factor = 1.0;                      // linear, llama3
  double rope_low_freq_factor = 1.0;             // llama3
  double rope_high_freq_factor = 4.0;            // llama3
  int64_t rope_original_max_positions = 8192;    // llama3

  // ---- what the tensors and the layer function hold
  bool qkv_bias = false;       // q/k/v projections (Qwen2's, and Llama's attention_bias)
  bool o_bias = false;         // o projection (Llama's attention_bias)
  bool mlp_bias = false;
  bool qk_norm = false;        // Qwen3: RMSNorm over each head's q and k before RoPE
  bool sandwich_norms = false; // Gemma-2: post-attention and pre/post-feed-forward norms
  bool norm_plus_one = false;  // Gemma: RMSNorm x̂·(1 + w), computed in fp32
  Activation activation = Activation::silu;
  bool embedding_scaled = false;  // Gemma: embeddings × √hidden_size in the compute dtype
  double attention_scale = 0;     // scores × this (0: head_dim^−½; Gemma-2: query_pre_attn_scalar^−½)
  std::optional<double> attn_logit_softcap;   // Gemma-2: s ↦ c·tanh(s/c) before the mask
  std::optional<double> final_logit_softcap;  // Gemma-2: logits ↦ c·tanh(logits/c)
  // Per layer: the window W of a sliding-window layer (query i sees keys j, i − W < j ≤ i), or
  // nullopt for full causal attention.
  std::vector<std::optional<int64_t>> layer_window;
  bool tie_word_embeddings = false;

  int64_t bos_token_id = 1;
  int64_t eos_token_id = 2;
  int64_t max_position_embeddings = 0;

  int64_t kv_groups() const { return num_heads / num_kv_heads; }  // query heads per KV head
  double score_scale() const;                      // attention_scale, or head_dim^−½ when 0
  std::optional<int64_t> window(int64_t layer) const;  // layer_window[layer] (nullopt past its end)
  bool any_sliding_window() const;
  int64_t parameter_count() const;
};

// Parses `folder`/config.json through the architecture registry. Throws FormatError
// "<folder>/config.json: <field>: <why>" for missing or absurd fields, for an unknown
// model_type (naming the supported ones), and for any key that changes the math that sppo
// does not implement (another rope_scaling type, another activation, ...).
CausalLmConfig read_causal_lm_config(const std::string& folder);
CausalLmConfig parse_causal_lm_config(const std::string& json_text, const std::string& path);

}  // namespace sppo
