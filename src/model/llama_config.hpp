#pragma once
// defines: sppo::LlamaConfig, the architecture of a Llama/Mistral causal LM as read from a
// Hugging Face config.json (SPEC.md §3), and read_llama_config, which validates it.
#include <cstdint>
#include <optional>
#include <string>

namespace sppo {

struct LlamaConfig {
  std::string model_type;  // "llama" | "mistral"
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t intermediate_size = 0;
  double rope_theta = 10000.0;
  double rms_norm_eps = 1e-6;
  std::optional<int64_t> sliding_window;  // query i sees keys j with i - W < j <= i
  bool tie_word_embeddings = false;
  bool attention_bias = false;
  bool mlp_bias = false;
  int64_t bos_token_id = 1;
  int64_t eos_token_id = 2;
  int64_t max_position_embeddings = 0;

  int64_t kv_groups() const { return num_heads / num_kv_heads; }  // query heads per KV head
  int64_t parameter_count() const;
};

// Parses `folder`/config.json. Throws FormatError "<folder>/config.json: <field>: <why>"
// for missing or absurd fields and for features not implemented (rope_scaling, other
// activations, other architectures).
LlamaConfig read_llama_config(const std::string& folder);
LlamaConfig parse_llama_config(const std::string& json_text, const std::string& path);

}  // namespace sppo
