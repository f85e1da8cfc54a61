#pragma once
// defines: DebertaEncoder, the DeBERTa-v2/v3 encoder of SPEC.md §4 (word embeddings +
// LayerNorm, post-LN layers with disentangled attention over log-bucketed relative
// positions), and relative_position_buckets, its position rule.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "io/safetensors.hpp"
#include "model/deberta_config.hpp"

namespace sppo {

// Bucketed r = i - j for queries 0..L-1 and keys 0..L-1: [L, L] int64, as DeBERTa's
// make_log_bucket_position (float32 arithmetic, like the reference).
at::Tensor relative_position_buckets(int64_t length, int64_t buckets, int64_t max_position);

class DebertaEncoder {
 public:
  // Weights named `prefix` + Hugging Face DebertaV2Model names ("pretrained_model." for
  // PairRM), converted to `dtype`. Missing or mis-shaped tensors are errors naming them;
  // every name read is added to `used`.
  DebertaEncoder(const DebertaConfig& config, const SafetensorsModel& weights, const std::string& prefix,
                 at::ScalarType dtype, std::vector<std::string>* used, c10::Device device = c10::Device(c10::kCPU));

  // ids, mask [B, L] -> last hidden state [B, L, hidden]. With `all_layers`, also every
  // layer's output (index 0: the embedding output).
  at::Tensor forward(const at::Tensor& ids, const at::Tensor& mask, std::vector<at::Tensor>* all_layers = nullptr) const;

  const DebertaConfig& config() const { return config_; }
  at::ScalarType dtype() const { return dtype_; }

 private:
  struct Layer {
    at::Tensor qkv_w, qkv_b;  // query_proj, key_proj and value_proj stacked: [3H, H] and [3H]
    at::Tensor attn_out_w, attn_out_b, attn_norm_w, attn_norm_b;
    at::Tensor inter_w, inter_b, out_w, out_b, out_norm_w, out_norm_b;
    // Kr = key_proj(R), Qr = query_proj(R) of the normalised relative embeddings R, split
    // into heads: [1, heads, 2 x buckets, head_dim]. They depend on the weights alone, so
    // they are computed once at load instead of in every forward (1.2 GFLOP per layer for
    // deberta-v3: most of the work of a short pair).
    at::Tensor pos_key, pos_query;
  };
  // keep [B, L] bool: real tokens; rel_index [L, L]: idx(i, j) into the 2S relative embeddings.
  at::Tensor layer_forward(const Layer& layer, const at::Tensor& h, const at::Tensor& keep,
                           const at::Tensor& rel_index) const;

  DebertaConfig config_;
  at::ScalarType dtype_;
  at::Tensor word_embeddings_, embed_norm_w_, embed_norm_b_;
  std::vector<Layer> layers_;
};

}  // namespace sppo
