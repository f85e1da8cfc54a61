// The Gemma-2 family (model_type gemma2), transformers v4.47's eager path: embeddings × √hidden
// in the compute dtype; RMSNorm x̂·(1 + w) in fp32; GeGLU with tanh GELU; four norms per layer
// (input, post-attention on the attention output, pre- and post-feed-forward); scores scaled by
// query_pre_attn_scalar^−½ and soft-capped c·tanh(s/c) before the mask; final logits
// soft-capped; a sliding window on the layers of even index; tied embeddings.
#include <cmath>

#include "core/error.hpp"
#include "model/architectures.hpp"

namespace sppo {

CausalLmConfig read_gemma2_family(const ConfigReader& r) {
  CausalLmConfig c;
  read_common_sizes(r, c, 10000.0, 1e-6);
  // hidden_activation is Gemma-2's own key; hidden_act the older one (both gelu_pytorch_tanh).
  expect_activation(r, r.has("hidden_activation") ? "hidden_activation" : "hidden_act", "gelu_pytorch_tanh");
  if (r.has("rope_scaling")) read_rope_scaling(r, c);
  c.activation = Activation::gelu_tanh;
  c.norm_plus_one = true;
  c.sandwich_norms = true;
  c.embedding_scaled = true;
  c.attention_scale = 1.0 / std::sqrt(r.positive("query_pre_attn_scalar", 256.0));
  c.attn_logit_softcap = r.optional_positive("attn_logit_softcapping", 50.0);
  c.final_logit_softcap = r.optional_positive("final_logit_softcapping", 30.0);
  const int64_t window = r.integer("sliding_window", 1, int64_t{1} << 40, 4096);
  for (int64_t l = 0; l < c.num_layers; l += 2) c.layer_window[static_cast<std::size_t>(l)] = window;
  c.tie_word_embeddings = r.flag("tie_word_embeddings", true);  // Gemma2Config's default
  if (r.flag("attention_bias", false)) r.refuse("attention_bias", "not implemented for gemma2 (no release has it)");
  return c;
}

}  // namespace sppo
