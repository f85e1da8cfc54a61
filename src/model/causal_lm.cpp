#include "model/causal_lm.hpp"

#include <ATen/ATen.h>

#include <set>

#include "core/error.hpp"
#include "io/safetensors.hpp"
#include "model/weights.hpp"

namespace sppo {
namespace {

// The parameters of one decoder layer by role; the order is llama_unit_specs'.
struct LayerWeights {
  at::Tensor input_norm, q, q_b, k, k_b, v, v_b, o, o_b, post_norm, gate, gate_b, up, up_b, down, down_b;
};

LayerWeights layer_weights(const LlamaConfig& c, const UnitParams& p) {
  std::size_t i = 0;
  auto next = [&]() -> at::Tensor { return p.at(i++); };
  LayerWeights w;
  w.input_norm = next();
  w.q = next();
  if (c.attention_bias) w.q_b = next();
  w.k = next();
  if (c.attention_bias) w.k_b = next();
  w.v = next();
  if (c.attention_bias) w.v_b = next();
  w.o = next();
  if (c.attention_bias) w.o_b = next();
  w.post_norm = next();
  w.gate = next();
  if (c.mlp_bias) w.gate_b = next();
  w.up = next();
  if (c.mlp_bias) w.up_b = next();
  w.down = next();
  if (c.mlp_bias) w.down_b = next();
  return w;
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return b.defined() ? at::linear(x, w, b) : at::matmul(x, w.t());
}

// RMSNorm: w · (x · rsqrt(mean(x²) + eps)), computed in fp32, cast back before × w.
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& w, double eps) {
  at::Tensor x32 = x.to(at::kFloat);
  at::Tensor normed = x32 * at::rsqrt(x32.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return w * normed.to(x.scalar_type());
}

// rotate_half: (x1, x2) -> (-x2, x1) over the two halves of the last dimension.
at::Tensor rotate_half(const at::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  return at::cat({-x.slice(-1, half), x.slice(-1, 0, half)}, -1);
}

}  // namespace

std::vector<std::vector<ParamSpec>> llama_unit_specs(const LlamaConfig& c) {
  const int64_t hd = c.head_dim, h = c.hidden_size;
  std::vector<std::vector<ParamSpec>> units;
  units.push_back({{"model.embed_tokens.weight", {c.vocab_size, h}}});
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    std::vector<ParamSpec> u;
    u.push_back({p + "input_layernorm.weight", {h}});
    auto proj = [&](const std::string& name, int64_t out, int64_t in, bool bias) {
      u.push_back({p + name + ".weight", {out, in}});
      if (bias) u.push_back({p + name + ".bias", {out}});
    };
    proj("self_attn.q_proj", c.num_heads * hd, h, c.attention_bias);
    proj("self_attn.k_proj", c.num_kv_heads * hd, h, c.attention_bias);
    proj("self_attn.v_proj", c.num_kv_heads * hd, h, c.attention_bias);
    proj("self_attn.o_proj", h, c.num_heads * hd, c.attention_bias);
    u.push_back({p + "post_attention_layernorm.weight", {h}});
    proj("mlp.gate_proj", c.intermediate_size, h, c.mlp_bias);
    proj("mlp.up_proj", c.intermediate_size, h, c.mlp_bias);
    proj("mlp.down_proj", h, c.intermediate_size, c.mlp_bias);
    units.push_back(std::move(u));
  }
  std::vector<ParamSpec> head{{"model.norm.weight", {h}}};
  if (!c.tie_word_embeddings) head.push_back({"lm_head.weight", {c.vocab_size, h}});
  units.push_back(std::move(head));
  return units;
}

KvCache KvCache::allocate(const LlamaConfig& c, int64_t batch, int64_t capacity, at::ScalarType dtype) {
  KvCache cache;
  const auto options = at::TensorOptions().dtype(dtype);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    cache.k.push_back(at::zeros({batch, c.num_kv_heads, capacity, c.head_dim}, options));
    cache.v.push_back(at::zeros({batch, c.num_kv_heads, capacity, c.head_dim}, options));
  }
  return cache;
}

KvCache KvCache::select_rows(const at::Tensor& rows, int64_t new_capacity, int64_t used) const {
  KvCache out;
  for (std::size_t l = 0; l < k.size(); ++l) {
    auto sizes = k[l].sizes().vec();
    sizes[0] = rows.size(0);
    sizes[2] = new_capacity;
    at::Tensor nk = at::empty(sizes, k[l].options()), nv = at::empty(sizes, v[l].options());
    nk.slice(2, 0, used).copy_(k[l].slice(2, 0, used).index_select(0, rows));
    nv.slice(2, 0, used).copy_(v[l].slice(2, 0, used).index_select(0, rows));
    out.k.push_back(std::move(nk));
    out.v.push_back(std::move(nv));
  }
  return out;
}

AttentionInputs attention_from_mask(const at::Tensor& attention_mask) {
  AttentionInputs attn;
  attn.positions = (attention_mask.to(at::kLong).cumsum(1) - 1).clamp_min(0);
  attn.key_valid = attention_mask.to(at::kBool);
  attn.slot = 0;
  return attn;
}

std::pair<at::Tensor, at::Tensor> rotary_tables(const LlamaConfig& c, const at::Tensor& positions, at::ScalarType dtype) {
  // inv_freq_i = theta^(-2i/head_dim) in fp32; angle = position x inv_freq; both halves share it.
  at::Tensor exponents = at::arange(0, c.head_dim, 2, at::kLong).to(at::kFloat) / static_cast<double>(c.head_dim);
  at::Tensor inv_freq = 1.0 / at::pow(c.rope_theta, exponents);                     // [hd/2] fp32
  at::Tensor angles = positions.to(at::kFloat).unsqueeze(-1) * inv_freq;            // [B, L, hd/2]
  at::Tensor full = at::cat({angles, angles}, -1);                                  // [B, L, hd]
  return {full.cos().to(dtype), full.sin().to(dtype)};
}

at::Tensor attention_allowed(const LlamaConfig& c, const AttentionInputs& attn, int64_t new_tokens) {
  const int64_t total = attn.slot + new_tokens;
  at::Tensor query_slot = at::arange(attn.slot, total, at::kLong).unsqueeze(1);  // [L, 1]
  at::Tensor key_slot = at::arange(0, total, at::kLong).unsqueeze(0);            // [1, T]
  at::Tensor allowed = key_slot <= query_slot;                                   // causal
  if (c.sliding_window) allowed = allowed & (query_slot - key_slot < *c.sliding_window);
  // [B, 1, 1, L, T]: broadcast over KV heads and the query heads that share them
  return (allowed.unsqueeze(0) & attn.key_valid.slice(1, 0, total).unsqueeze(1)).unsqueeze(1).unsqueeze(1);
}

at::Tensor embedding_forward(const at::Tensor& embed_tokens, const at::Tensor& ids) {
  return at::embedding(embed_tokens, ids);
}

at::Tensor decoder_layer_forward(const LlamaConfig& c, const UnitParams& params, const at::Tensor& h,
                                 const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& allowed,
                                 const LayerCache* cache) {
  const LayerWeights w = layer_weights(c, params);
  const int64_t B = h.size(0), L = h.size(1), hd = c.head_dim, kvh = c.num_kv_heads, groups = c.kv_groups();

  // ---- attention: h += o_proj(attn(RMSNorm(h)))
  at::Tensor x = rms_norm(h, w.input_norm, c.rms_norm_eps);
  at::Tensor q = linear(x, w.q, w.q_b).view({B, L, c.num_heads, hd}).transpose(1, 2);  // [B, H, L, hd]
  at::Tensor k = linear(x, w.k, w.k_b).view({B, L, kvh, hd}).transpose(1, 2);          // [B, kvh, L, hd]
  at::Tensor v = linear(x, w.v, w.v_b).view({B, L, kvh, hd}).transpose(1, 2);
  const at::Tensor cos4 = cos.unsqueeze(1), sin4 = sin.unsqueeze(1);                   // [B, 1, L, hd]
  q = q * cos4 + rotate_half(q) * sin4;
  k = k * cos4 + rotate_half(k) * sin4;
  if (cache) {
    cache->k->slice(2, cache->slot, cache->slot + L).copy_(k);
    cache->v->slice(2, cache->slot, cache->slot + L).copy_(v);
    k = cache->k->slice(2, 0, cache->slot + L);
    v = cache->v->slice(2, 0, cache->slot + L);
  }
  const int64_t T = k.size(2);
  // GQA without copying K/V: query head h uses KV head h / groups, so the `groups` query heads
  // of one KV head are stacked along the query axis: [B, kvh, groups * L, hd].
  at::Tensor qg = q.reshape({B, kvh, groups * L, hd});
  at::Tensor scores = at::matmul(qg, k.transpose(2, 3)) / std::sqrt(static_cast<double>(hd));  // [B, kvh, g*L, T]
  scores = scores.view({B, kvh, groups, L, T}).masked_fill(~allowed, lowest_score(scores.scalar_type()));
  at::Tensor probs = at::softmax(scores, -1, at::kFloat).to(q.scalar_type()).view({B, kvh, groups * L, T});
  at::Tensor attn = at::matmul(probs, v)                                         // [B, kvh, g*L, hd]
                        .view({B, c.num_heads, L, hd})
                        .transpose(1, 2)
                        .reshape({B, L, c.num_heads * hd});
  at::Tensor out = h + linear(attn, w.o, w.o_b);

  // ---- MLP: h += down(silu(gate(x)) * up(x)), x = RMSNorm(h)
  x = rms_norm(out, w.post_norm, c.rms_norm_eps);
  return out + linear(at::silu(linear(x, w.gate, w.gate_b)) * linear(x, w.up, w.up_b), w.down, w.down_b);
}

at::Tensor head_forward(const LlamaConfig& c, const at::Tensor& norm_weight, const at::Tensor& lm_head, const at::Tensor& h) {
  return at::matmul(rms_norm(h, norm_weight, c.rms_norm_eps), lm_head.t());
}

at::Tensor token_logprobs(const at::Tensor& logits, const at::Tensor& ids) {
  const int64_t L = ids.size(1);
  at::Tensor out = at::zeros({ids.size(0), L}, at::TensorOptions().dtype(at::kFloat));
  if (L < 2) return out;
  at::Tensor logp = at::log_softmax(logits.slice(1, 0, L - 1).to(at::kFloat), -1);  // predicts t = 1..L-1
  out.slice(1, 1, L).copy_(logp.gather(-1, ids.slice(1, 1, L).to(at::kLong).unsqueeze(-1)).squeeze(-1));
  return out;
}

// ---------------------------------------------------------------- CausalLM
CausalLM::CausalLM(LlamaConfig config, std::vector<UnitParams> units, at::ScalarType dtype)
    : config_(std::move(config)), units_(std::move(units)), dtype_(dtype) {}

void refuse_unexpected_tensors(const LlamaConfig& config, const SafetensorsModel& weights,
                               const std::vector<std::vector<ParamSpec>>& specs) {
  std::set<std::string> expected;
  for (const auto& unit : specs)
    for (const auto& spec : unit) expected.insert(spec.name);
  for (const auto& name : weights.names())
    if (!expected.count(name) && name.find("rotary_emb.inv_freq") == std::string::npos)
      throw FormatError(weights.file_of(name) + ": unexpected tensor " + name + " for a " + config.model_type + " model");
}

void check_causal_lm_folder(const std::string& folder) {
  const LlamaConfig config = read_llama_config(folder);
  const SafetensorsModel weights = SafetensorsModel::open(folder);
  const auto specs = llama_unit_specs(config);
  for (const auto& unit : specs)
    for (const auto& spec : unit) check_weight(weights, spec.name, spec.shape);
  refuse_unexpected_tensors(config, weights, specs);
}

CausalLM CausalLM::load(const std::string& folder, at::ScalarType dtype) {
  if (dtype != at::kFloat && dtype != at::kBFloat16)
    throw FormatError(folder + ": compute dtype must be float32 or bfloat16");
  const LlamaConfig config = read_llama_config(folder);
  const SafetensorsModel weights = SafetensorsModel::open(folder);
  const auto specs = llama_unit_specs(config);
  std::vector<UnitParams> units;
  for (const auto& unit : specs) {
    UnitParams params;
    for (const auto& spec : unit) params.push_back(load_weight(weights, spec.name, spec.shape, dtype));
    units.push_back(std::move(params));
  }
  refuse_unexpected_tensors(config, weights, specs);
  return CausalLM(config, std::move(units), dtype);
}

at::Tensor CausalLM::hidden(const at::Tensor& ids, const AttentionInputs& attn, KvCache* cache) const {
  const int64_t L = ids.size(1);
  at::Tensor h = embedding_forward(units_.front().front(), ids);
  const auto [cos, sin] = rotary_tables(config_, attn.positions, dtype_);
  const at::Tensor allowed = attention_allowed(config_, attn, L);
  for (int64_t l = 0; l < config_.num_layers; ++l) {
    const auto layer = static_cast<std::size_t>(l);
    const LayerCache slot{cache ? &cache->k[layer] : nullptr, cache ? &cache->v[layer] : nullptr, attn.slot};
    h = decoder_layer_forward(config_, units_[layer + 1], h, cos, sin, allowed, cache ? &slot : nullptr);
  }
  return h;
}

at::Tensor CausalLM::apply_head(const at::Tensor& h) const {
  const UnitParams& head = units_.back();
  const at::Tensor& lm_head = config_.tie_word_embeddings ? units_.front().front() : head.at(1);
  return head_forward(config_, head.at(0), lm_head, h).to(at::kFloat);
}

at::Tensor CausalLM::logits(const at::Tensor& ids, const AttentionInputs& attn, KvCache* cache) const {
  return apply_head(hidden(ids, attn, cache));
}

at::Tensor CausalLM::last_logits(const at::Tensor& ids, const AttentionInputs& attn, KvCache* cache) const {
  at::Tensor h = hidden(ids, attn, cache);
  return apply_head(h.slice(1, h.size(1) - 1)).squeeze(1);
}

}  // namespace sppo
