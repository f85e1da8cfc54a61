#include "model/deberta.hpp"

#include <ATen/ATen.h>

#include <cmath>

#include "core/error.hpp"
#include "model/disentangled_scores.hpp"
#include "model/weights.hpp"

namespace sppo {

at::Tensor relative_position_buckets(int64_t length, int64_t buckets, int64_t max_position) {
  at::Tensor ids = at::arange(length, at::kLong);
  at::Tensor rel = ids.unsqueeze(1) - ids.unsqueeze(0);  // r = i - j
  // mid = buckets/2; |r| <= mid -> r; else sign(r) (ceil(log(|r|/mid) / log((max-1)/mid) (mid-1)) + mid)
  const int64_t mid = buckets / 2;
  at::Tensor sign = at::sign(rel);
  at::Tensor abs_pos = at::where((rel < mid) & (rel > -mid), at::full_like(rel, mid - 1), rel.abs());
  at::Tensor log_pos = at::ceil(at::log(abs_pos.to(at::kFloat) / static_cast<float>(mid)) /
                                at::log(at::tensor(static_cast<float>(max_position - 1) / static_cast<float>(mid))) *
                                static_cast<float>(mid - 1)) +
                       static_cast<float>(mid);
  return at::where(abs_pos <= mid, rel.to(at::kFloat), log_pos * sign.to(at::kFloat)).to(at::kLong);
}

DebertaEncoder::DebertaEncoder(const DebertaConfig& c, const SafetensorsModel& w, const std::string& p, at::ScalarType dtype,
                               std::vector<std::string>* used, c10::Device device)
    : config_(c), dtype_(dtype) {
  const int64_t H = c.hidden_size, I = c.intermediate_size;
  word_embeddings_ = load_weight(w, p + "embeddings.word_embeddings.weight", {c.vocab_size, H}, dtype, used, device);
  embed_norm_w_ = load_weight(w, p + "embeddings.LayerNorm.weight", {H}, dtype, used, device);
  embed_norm_b_ = load_weight(w, p + "embeddings.LayerNorm.bias", {H}, dtype, used, device);
  at::Tensor rel = load_weight(w, p + "encoder.rel_embeddings.weight", {2 * c.position_buckets, H}, dtype, used, device);
  if (c.norm_rel_ebd)
    rel = at::layer_norm(rel, {H}, load_weight(w, p + "encoder.LayerNorm.weight", {H}, dtype, used, device),
                         load_weight(w, p + "encoder.LayerNorm.bias", {H}, dtype, used, device), c.layer_norm_eps);
  const at::Tensor R = rel.unsqueeze(0);  // [1, 2S, hidden]
  auto split_heads = [&](const at::Tensor& x) { return x.view({1, x.size(1), c.num_heads, c.head_dim()}).transpose(1, 2).contiguous(); };
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string n = p + "encoder.layer." + std::to_string(l) + ".";
    Layer L;
    const at::Tensor q_w = load_weight(w, n + "attention.self.query_proj.weight", {H, H}, dtype, used, device);
    const at::Tensor q_b = load_weight(w, n + "attention.self.query_proj.bias", {H}, dtype, used, device);
    const at::Tensor k_w = load_weight(w, n + "attention.self.key_proj.weight", {H, H}, dtype, used, device);
    const at::Tensor k_b = load_weight(w, n + "attention.self.key_proj.bias", {H}, dtype, used, device);
    const at::Tensor v_w = load_weight(w, n + "attention.self.value_proj.weight", {H, H}, dtype, used, device);
    const at::Tensor v_b = load_weight(w, n + "attention.self.value_proj.bias", {H}, dtype, used, device);
    L.qkv_w = at::cat({q_w, k_w, v_w}, 0);  // [3H, H]
    L.qkv_b = at::cat({q_b, k_b, v_b}, 0);
    L.attn_out_w = load_weight(w, n + "attention.output.dense.weight", {H, H}, dtype, used, device);
    L.attn_out_b = load_weight(w, n + "attention.output.dense.bias", {H}, dtype, used, device);
    L.attn_norm_w = load_weight(w, n + "attention.output.LayerNorm.weight", {H}, dtype, used, device);
    L.attn_norm_b = load_weight(w, n + "attention.output.LayerNorm.bias", {H}, dtype, used, device);
    L.inter_w = load_weight(w, n + "intermediate.dense.weight", {I, H}, dtype, used, device);
    L.inter_b = load_weight(w, n + "intermediate.dense.bias", {I}, dtype, used, device);
    L.out_w = load_weight(w, n + "output.dense.weight", {H, I}, dtype, used, device);
    L.out_b = load_weight(w, n + "output.dense.bias", {H}, dtype, used, device);
    L.out_norm_w = load_weight(w, n + "output.LayerNorm.weight", {H}, dtype, used, device);
    L.out_norm_b = load_weight(w, n + "output.LayerNorm.bias", {H}, dtype, used, device);
    L.pos_key = split_heads(at::linear(R, k_w, k_b));  // share_att_key: the content projections
    L.pos_query = split_heads(at::linear(R, q_w, q_b));
    layers_.push_back(std::move(L));
  }
}

at::Tensor DebertaEncoder::layer_forward(const Layer& w, const at::Tensor& h, const at::Tensor& keep,
                                         const at::Tensor& rel_index) const {
  const DebertaConfig& c = config_;
  const int64_t heads = c.num_heads, d = c.head_dim();
  auto split_heads = [&](const at::Tensor& x) { return x.view({x.size(0), x.size(1), heads, d}).transpose(1, 2); };
  // One GEMM of N = 3H instead of three of H: each element is the same dot product, summed
  // in the same order, and the wider product keeps more of the CPU's matmul rate.
  const int64_t H = c.hidden_size;
  const at::Tensor qkv = at::linear(h, w.qkv_w, w.qkv_b);  // [B, L, 3H]
  const at::Tensor q = split_heads(qkv.slice(-1, 0, H));   // [B, heads, L, d], rows 3H apart
  const at::Tensor k = split_heads(qkv.slice(-1, H, 2 * H));
  const at::Tensor v = split_heads(qkv.slice(-1, 2 * H, 3 * H));
  const double scale = std::sqrt(static_cast<double>(d * c.scale_factor()));

  // scores_ij = (q_i . k_j + q_i . Kr[idx(i,j)] + k_j . Qr[idx(i,j)]) / sqrt(3 d), each term
  // scaled; XSoftmax: masked keys get the lowest value, then masked (query, key) pairs get 0.
  const at::Tensor context = disentangled_context(q, k, v, c.c2p ? w.pos_key : at::Tensor(),
                                                  c.p2c ? w.pos_query : at::Tensor(), rel_index, keep, scale);
  const at::Tensor attn = at::layer_norm(at::linear(context, w.attn_out_w, w.attn_out_b) + h, {c.hidden_size},
                                         w.attn_norm_w, w.attn_norm_b, c.layer_norm_eps);
  const at::Tensor inter = at::gelu(at::linear(attn, w.inter_w, w.inter_b));  // exact (erf) GELU
  return at::layer_norm(at::linear(inter, w.out_w, w.out_b) + attn, {c.hidden_size}, w.out_norm_w, w.out_norm_b,
                        c.layer_norm_eps);
}

at::Tensor DebertaEncoder::forward(const at::Tensor& ids, const at::Tensor& mask, std::vector<at::Tensor>* all_layers) const {
  const DebertaConfig& c = config_;
  const int64_t L = ids.size(1), S = c.position_buckets;
  const at::Tensor m = mask.to(dtype_).unsqueeze(-1);
  at::Tensor h = at::layer_norm(at::embedding(word_embeddings_, ids), {c.hidden_size}, embed_norm_w_, embed_norm_b_,
                                c.layer_norm_eps) * m;
  if (all_layers) all_layers->push_back(h);
  const at::Tensor keep = mask.to(at::kBool);
  const at::Tensor rel_index =
      (relative_position_buckets(L, S, c.max_relative()) + S).clamp(0, 2 * S - 1).to(ids.device());  // [L, L]
  for (const Layer& layer : layers_) {
    h = layer_forward(layer, h, keep, rel_index);
    if (all_layers) all_layers->push_back(h);
  }
  return h;
}

}  // namespace sppo
