// The Qwen families: Qwen2 / Qwen2.5 (model_type qwen2: q/k/v biases, none on o or the MLP)
// and Qwen3 (model_type qwen3: no biases unless attention_bias, a per-head RMSNorm of q and k
// before RoPE, an explicit head_dim). Both tie embeddings in the small sizes; with
// use_sliding_window the layers from max_window_layers on attend within sliding_window (as
// transformers' flash-attention path does; every published Qwen2.5/Qwen3 config has it false).
#include "core/error.hpp"
#include "model/architectures.hpp"

namespace sppo {
namespace {

void read_qwen_common(const ConfigReader& r, CausalLmConfig& c) {
  read_common_sizes(r, c, 10000.0, 1e-6);
  expect_activation(r, "hidden_act", "silu");
  if (r.has("rope_scaling")) read_rope_scaling(r, c);
  c.tie_word_embeddings = r.flag("tie_word_embeddings", false);
  if (r.flag("use_sliding_window", false)) {
    const int64_t w = r.integer("sliding_window", 1, int64_t{1} << 40);
    const int64_t first = r.integer("max_window_layers", 0, c.num_layers, c.num_layers);
    for (int64_t l = first; l < c.num_layers; ++l) c.layer_window[static_cast<std::size_t>(l)] = w;
  }
}

}  // namespace

CausalLmConfig read_qwen2_family(const ConfigReader& r) {
  CausalLmConfig c;
  read_qwen_common(r, c);
  c.qkv_bias = true;
  return c;
}

CausalLmConfig read_qwen3_family(const ConfigReader& r) {
  CausalLmConfig c;
  read_qwen_common(r, c);
  c.qkv_bias = c.o_bias = r.flag("attention_bias", false);
  c.qk_norm = true;
  return c;
}

}  // namespace sppo
