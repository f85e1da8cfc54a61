// The Llama family (model_type llama: Llama-2, Llama-3, Llama-3.1/3.2 with rope scaling llama3
// and tied embeddings in the small sizes) and Mistral (model_type mistral: a sliding window on
// every layer when sliding_window is set; null for v0.2). SPEC.md §3, families/SUMMARY.md.
#include "core/error.hpp"
#include "model/architectures.hpp"

namespace sppo {

CausalLmConfig read_llama_family(const ConfigReader& r) {
  CausalLmConfig c;
  read_common_sizes(r, c, 10000.0, 1e-6);
  expect_activation(r, "hidden_act", "silu");
  read_rope_scaling(r, c);
  c.qkv_bias = c.o_bias = r.flag("attention_bias", false);
  c.mlp_bias = r.flag("mlp_bias", false);
  c.tie_word_embeddings = r.flag("tie_word_embeddings", false);
  if (r.has("sliding_window")) {
    const int64_t w = r.integer("sliding_window", 1, int64_t{1} << 40);
    c.layer_window.assign(static_cast<std::size_t>(c.num_layers), w);
  }
  return c;
}

}  // namespace sppo
