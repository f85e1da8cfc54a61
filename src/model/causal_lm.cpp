#include "model/causal_lm.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <cmath>
#include <set>

#include "core/error.hpp"
#include "io/safetensors.hpp"
#include "model/decode_attention.hpp"
#include "model/split_matmul.hpp"
#include "model/weights.hpp"

namespace sppo {
namespace {

// The parameters of one decoder layer by role; the order is causal_lm_unit_specs'.
struct LayerWeights {
  at::Tensor input_norm, q, q_b, k, k_b, v, v_b, q_norm, k_norm, o, o_b, post_attention_norm, pre_ffn_norm, gate, gate_b,
      up, up_b, down, down_b, post_ffn_norm;
};

LayerWeights layer_weights(const CausalLmConfig& c, const UnitParams& p) {
  std::size_t i = 0;
  auto next = [&]() -> at::Tensor { return p.at(i++); };
  LayerWeights w;
  w.input_norm = next();
  w.q = next();
  if (c.qkv_bias) w.q_b = next();
  w.k = next();
  if (c.qkv_bias) w.k_b = next();
  w.v = next();
  if (c.qkv_bias) w.v_b = next();
  if (c.qk_norm) {
    w.q_norm = next();
    w.k_norm = next();
  }
  w.o = next();
  if (c.o_bias) w.o_b = next();
  w.post_attention_norm = next();
  if (c.sandwich_norms) w.pre_ffn_norm = next();
  w.gate = next();
  if (c.mlp_bias) w.gate_b = next();
  w.up = next();
  if (c.mlp_bias) w.up_b = next();
  w.down = next();
  if (c.mlp_bias) w.down_b = next();
  if (c.sandwich_norms) w.post_ffn_norm = next();
  return w;
}

// Where layer_weights finds the projections that FusedProjections joins (-1: absent).
struct ProjectionIndex {
  int q = -1, q_b = -1, k = -1, k_b = -1, v = -1, v_b = -1, gate = -1, gate_b = -1, up = -1, up_b = -1;
};

// The same walk as layer_weights, recording positions instead of reading tensors.
ProjectionIndex projection_index(const CausalLmConfig& c) {
  ProjectionIndex x;
  int i = 1;  // input_norm
  x.q = i++;
  if (c.qkv_bias) x.q_b = i++;
  x.k = i++;
  if (c.qkv_bias) x.k_b = i++;
  x.v = i++;
  if (c.qkv_bias) x.v_b = i++;
  if (c.qk_norm) i += 2;
  i += c.o_bias ? 2 : 1;          // o, o bias
  i += c.sandwich_norms ? 2 : 1;  // post_attention_norm, pre_ffn_norm
  x.gate = i++;
  if (c.mlp_bias) x.gate_b = i++;
  x.up = i++;
  if (c.mlp_bias) x.up_b = i++;
  return x;
}

// Joins `parts` of `p` (rows of each, in order) into one tensor and makes them views of it.
at::Tensor join_as_views(UnitParams& p, const std::vector<int>& parts) {
  std::vector<at::Tensor> tensors;
  for (int i : parts) tensors.push_back(p[static_cast<std::size_t>(i)]);
  const at::Tensor joined = at::cat(tensors, 0);
  int64_t row = 0;
  for (int i : parts) {
    at::Tensor& part = p[static_cast<std::size_t>(i)];
    const int64_t n = part.size(0);
    part = joined.slice(0, row, row + n);
    row += n;
  }
  return joined;
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return b.defined() ? at::linear(x, w, b) : at::matmul(x, w.t());
}

// RMSNorm over the last dimension, x̂ = x · rsqrt(mean(x²) + eps) in fp32, then
//   Llama, Qwen, Mistral: w · x̂ cast back first (x̂ in the input dtype, times w);
//   Gemma: (x̂ · (1 + w)) in fp32, cast back after.
at::Tensor rms_norm(const CausalLmConfig& c, const at::Tensor& x, const at::Tensor& w) {
  const at::Tensor x32 = x.to(at::kFloat);
  const at::Tensor normed = x32 * at::rsqrt(x32.pow(2).mean(-1, /*keepdim=*/true) + c.rms_norm_eps);
  if (c.norm_plus_one) return (normed * (1.0 + w.to(at::kFloat))).to(x.scalar_type());
  return w * normed.to(x.scalar_type());
}

// rotate_half: (x1, x2) -> (-x2, x1) over the two halves of the last dimension.
at::Tensor rotate_half(const at::Tensor& x) {
  // chunk, not two slices: its backward joins the two gradients in one copy, where each
  // slice's would zero a whole tensor of x's size and copy its half in.
  const std::vector<at::Tensor> halves = x.chunk(2, -1);
  return at::cat({-halves[1], halves[0]}, -1);
}

// c · tanh(s / c): Gemma-2's soft cap of attention scores and final logits.
at::Tensor soft_cap(const at::Tensor& s, double cap) { return at::tanh(s / cap) * cap; }
// The same operations in place (the same bits), for a buffer the caller reuses.
void soft_cap_(at::Tensor& s, double cap) { s.div_(cap).tanh_().mul_(cap); }

// softmax(q kᵀ · scale, masked) v with the query heads of one KV head stacked on the query axis
// (GQA without copying K/V): qg [B, kvh, g·L, hd], k and v [B, kvh, T, hd], allowed
// [B, 1, 1, L, T] -> [B, kvh, g·L, hd]. Scores are soft-capped (Gemma-2) before the mask, and
// a masked score is the dtype's lowest value, so a query that sees no key (left padding)
// averages every key instead of producing NaN; its output is never read.
at::Tensor explicit_attention(const CausalLmConfig& c, const at::Tensor& qg, const at::Tensor& k, const at::Tensor& v,
                              const at::Tensor& allowed) {
  const int64_t B = qg.size(0), kvh = qg.size(1), groups = c.kv_groups(), L = qg.size(2) / groups, T = k.size(2);
  at::Tensor scores = at::matmul(qg, k.transpose(2, 3)) * c.score_scale();  // [B, kvh, g*L, T]
  if (c.attn_logit_softcap) scores = soft_cap(scores, *c.attn_logit_softcap);  // before the mask
  // The mask as an addition of 0 or the lowest value: a masked score becomes exactly the lowest
  // value (any score below 2^103 in size vanishes in its rounding), and in backward an
  // addition passes the gradient through where a masked_fill would take another pass.
  const at::Tensor bias =
      at::zeros(allowed.sizes(), scores.options()).masked_fill_(allowed.logical_not(), lowest_score(scores.scalar_type()));
  scores = scores.view({B, kvh, groups, L, T}) + bias;
  const at::Tensor probs = at::softmax(scores, -1, at::kFloat).to(qg.scalar_type()).view({B, kvh, groups * L, T});
  return at::matmul(probs, v);
}

// explicit_attention with the batch's rows cut into one block per thread, each block's
// operations (the same ones, on its rows) run on that thread: a decode step's attention is
// B·kvh tiny products, which one BLAS call per product leaves on one thread. Inference only
// (the blocks are copied into the result, which autograd would not follow); elsewhere, and at
// one thread, explicit_attention on the whole batch.
at::Tensor explicit_attention_threaded(const CausalLmConfig& c, const at::Tensor& qg, const at::Tensor& k,
                                       const at::Tensor& v, const at::Tensor& allowed) {
  const int64_t B = qg.size(0), threads = at::get_num_threads();
  const bool needs_grad = qg.requires_grad() || k.requires_grad() || v.requires_grad();
  if (threads < 2 || B < 2 || needs_grad || !qg.device().is_cpu() || at::in_parallel_region())
    return explicit_attention(c, qg, k, v, allowed);
  at::Tensor out = at::empty(qg.sizes(), qg.options());  // [B, kvh, g·L, hd]
  at::parallel_for(0, B, (B + threads - 1) / threads, [&](int64_t first, int64_t last) {
    out.slice(0, first, last)
        .copy_(explicit_attention(c, qg.slice(0, first, last), k.slice(0, first, last), v.slice(0, first, last),
                                  allowed.slice(0, first, last)));
  });
  return out;
}

// LibTorch >= 2.1 has at::scaled_dot_product_attention with a scale argument: its fused
// (memory-efficient) kernels serve GPU prefill and training. It cannot soft-cap scores, and
// on the CPU and with Debian's 1.13 the explicit path runs.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define SPPO_HAVE_SDPA 1
#else
#define SPPO_HAVE_SDPA 0
#endif

at::Tensor attention(const CausalLmConfig& c, const at::Tensor& qg, const at::Tensor& k, const at::Tensor& v,
                     const at::Tensor& allowed) {
#if SPPO_HAVE_SDPA
  if (qg.is_cuda() && !c.attn_logit_softcap) {
    const int64_t B = qg.size(0), groups = c.kv_groups(), L = qg.size(2) / groups, T = k.size(2);
    at::Tensor mask = allowed.expand({B, 1, groups, L, T}).reshape({B, 1, groups * L, T});
    // SDPA gives NaN for a query that sees no key; such a (padding) query sees every key instead.
    mask = mask.logical_or(mask.logical_not().all(-1, /*keepdim=*/true));
    return at::scaled_dot_product_attention(qg, k, v, mask, /*dropout_p=*/0.0, /*is_causal=*/false, c.score_scale());
  }
#endif
  if (decode_attention_applies(qg, k, c.kv_groups()))
    return decode_attention(qg, k, v, allowed, c.score_scale(), c.attn_logit_softcap);
  return explicit_attention_threaded(c, qg, k, v, allowed);
}

at::Tensor activation(const CausalLmConfig& c, const at::Tensor& x) {
  return c.activation == Activation::gelu_tanh ? at::gelu(x, "tanh") : at::silu(x);
}

}  // namespace

std::vector<std::vector<ParamSpec>> causal_lm_unit_specs(const CausalLmConfig& c) {
  const int64_t hd = c.head_dim, h = c.hidden_size;
  std::vector<std::vector<ParamSpec>> units;
  units.push_back({{"model.embed_tokens.weight", {c.vocab_size, h}}});
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    std::vector<ParamSpec> u;
    auto proj = [&](const std::string& name, int64_t out, int64_t in, bool bias) {
      u.push_back({p + name + ".weight", {out, in}});
      if (bias) u.push_back({p + name + ".bias", {out}});
    };
    u.push_back({p + "input_layernorm.weight", {h}});
    proj("self_attn.q_proj", c.num_heads * hd, h, c.qkv_bias);
    proj("self_attn.k_proj", c.num_kv_heads * hd, h, c.qkv_bias);
    proj("self_attn.v_proj", c.num_kv_heads * hd, h, c.qkv_bias);
    if (c.qk_norm) {
      u.push_back({p + "self_attn.q_norm.weight", {hd}});
      u.push_back({p + "self_attn.k_norm.weight", {hd}});
    }
    proj("self_attn.o_proj", h, c.num_heads * hd, c.o_bias);
    u.push_back({p + "post_attention_layernorm.weight", {h}});
    if (c.sandwich_norms) u.push_back({p + "pre_feedforward_layernorm.weight", {h}});
    proj("mlp.gate_proj", c.intermediate_size, h, c.mlp_bias);
    proj("mlp.up_proj", c.intermediate_size, h, c.mlp_bias);
    proj("mlp.down_proj", h, c.intermediate_size, c.mlp_bias);
    if (c.sandwich_norms) u.push_back({p + "post_feedforward_layernorm.weight", {h}});
    units.push_back(std::move(u));
  }
  std::vector<ParamSpec> head{{"model.norm.weight", {h}}};
  if (!c.tie_word_embeddings) head.push_back({"lm_head.weight", {c.vocab_size, h}});
  units.push_back(std::move(head));
  return units;
}

KvCache KvCache::allocate(const CausalLmConfig& c, int64_t batch, int64_t capacity, at::ScalarType dtype, c10::Device device) {
  KvCache cache;
  const auto options = at::TensorOptions().dtype(dtype).device(device);
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

at::Tensor rope_inv_freq(const CausalLmConfig& c) {
  // inv_freq_i = theta^(-2i/head_dim) in fp32
  const at::Tensor exponents = at::arange(0, c.head_dim, 2, at::kLong).to(at::kFloat) / static_cast<double>(c.head_dim);
  at::Tensor inv_freq = 1.0 / at::pow(c.rope_theta, exponents);
  if (c.rope_scaling == RopeScaling::linear) return inv_freq / c.rope_factor;
  if (c.rope_scaling != RopeScaling::llama3) return inv_freq;
  // llama3: wavelengths below L0/high_freq_factor keep their frequency, those above
  // L0/low_freq_factor are divided by the factor, and the ones between are interpolated:
  // smooth = (L0/wavelen − lo)/(hi − lo), inv ← (1 − smooth)·inv/factor + smooth·inv.
  const double L0 = static_cast<double>(c.rope_original_max_positions), lo = c.rope_low_freq_factor,
               hi = c.rope_high_freq_factor, factor = c.rope_factor;
  const at::Tensor wavelen = (2 * M_PI) / inv_freq;
  at::Tensor scaled = at::where(wavelen > L0 / lo, inv_freq / factor, inv_freq);
  const at::Tensor smooth = (L0 / wavelen - lo) / (hi - lo);
  const at::Tensor smoothed = (1 - smooth) * scaled / factor + smooth * scaled;
  const at::Tensor medium = wavelen.ge(L0 / hi).logical_and(wavelen.le(L0 / lo));
  return at::where(medium, smoothed, scaled);
}

std::pair<at::Tensor, at::Tensor> rotary_tables(const CausalLmConfig& c, const at::Tensor& positions, at::ScalarType dtype) {
  const at::Tensor inv_freq = rope_inv_freq(c).to(positions.device());          // [hd/2] fp32
  const at::Tensor angles = positions.to(at::kFloat).unsqueeze(-1) * inv_freq;   // [B, L, hd/2]
  const at::Tensor full = at::cat({angles, angles}, -1);                         // [B, L, hd]
  return {full.cos().to(dtype), full.sin().to(dtype)};
}

AttentionMasks::AttentionMasks(const CausalLmConfig& c, const AttentionInputs& attn, int64_t new_tokens) {
  const int64_t total = attn.slot + new_tokens;
  const auto options = at::TensorOptions().dtype(at::kLong).device(attn.key_valid.device());
  const at::Tensor query_slot = at::arange(attn.slot, total, options).unsqueeze(1);  // [L, 1]
  const at::Tensor key_slot = at::arange(0, total, options).unsqueeze(0);            // [1, T]
  const at::Tensor causal = key_slot <= query_slot;
  const at::Tensor valid = attn.key_valid.slice(1, 0, total).unsqueeze(1);          // [B, 1, T]
  // [B, 1, 1, L, T]: broadcast over KV heads and the query heads that share them
  auto mask = [&](const at::Tensor& allowed) { return (allowed.unsqueeze(0) & valid).unsqueeze(1).unsqueeze(1); };
  std::map<int64_t, std::size_t> by_window;  // window (0: none) -> mask index
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const int64_t w = c.window(l).value_or(0);
    auto it = by_window.find(w);
    if (it == by_window.end()) {
      it = by_window.emplace(w, masks_.size()).first;
      masks_.push_back(mask(w > 0 ? causal & (query_slot - key_slot < w) : causal));
    }
    layer_mask_.push_back(static_cast<int64_t>(it->second));
  }
}

const at::Tensor& AttentionMasks::layer(int64_t l) const {
  return masks_.at(static_cast<std::size_t>(layer_mask_.at(static_cast<std::size_t>(l))));
}

at::Tensor embedding_forward(const CausalLmConfig& c, const at::Tensor& embed_tokens, const at::Tensor& ids) {
  at::Tensor h = at::embedding(embed_tokens, ids);
  // Gemma: × √hidden as a tensor of the activations' dtype (rounded to bf16 in bf16 compute).
  if (c.embedding_scaled) h = h * at::scalar_tensor(std::sqrt(static_cast<double>(c.hidden_size)), h.options());
  return h;
}

at::Tensor decoder_layer_forward(const CausalLmConfig& c, const UnitParams& params, const at::Tensor& h,
                                 const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& allowed,
                                 const LayerCache* cache, const FusedProjections* fused) {
  const LayerWeights w = layer_weights(c, params);
  const int64_t B = h.size(0), L = h.size(1), hd = c.head_dim, kvh = c.num_kv_heads, groups = c.kv_groups();
  const int64_t nq = c.num_heads * hd, nk = kvh * hd;

  // ---- attention: h += o_proj(attn(norm(h))) (Gemma-2: the attention output normed first)
  at::Tensor x = rms_norm(c, h, w.input_norm);
  at::Tensor q, k, v;
  if (fused) {
    const at::Tensor qkv = linear(x, fused->qkv, fused->qkv_bias);  // [B, L, nq + 2 nk]
    q = qkv.slice(-1, 0, nq);
    k = qkv.slice(-1, nq, nq + nk);
    v = qkv.slice(-1, nq + nk, nq + 2 * nk);
  } else {
    q = linear(x, w.q, w.q_b);
    k = linear(x, w.k, w.k_b);
    v = linear(x, w.v, w.v_b);
  }
  q = q.view({B, L, c.num_heads, hd});      // [B, L, H, hd]
  k = k.view({B, L, kvh, hd});              // [B, L, kvh, hd]
  v = v.view({B, L, kvh, hd}).transpose(1, 2);
  if (c.qk_norm) {  // Qwen3: each head's q and k RMS-normed before RoPE
    q = rms_norm(c, q, w.q_norm);
    k = rms_norm(c, k, w.k_norm);
  }
  q = q.transpose(1, 2);  // [B, H, L, hd]
  k = k.transpose(1, 2);  // [B, kvh, L, hd]
  const at::Tensor cos4 = cos.unsqueeze(1), sin4 = sin.unsqueeze(1);  // [B, 1, L, hd]
  q = q * cos4 + rotate_half(q) * sin4;
  k = k * cos4 + rotate_half(k) * sin4;
  if (cache) {
    cache->k->slice(2, cache->slot, cache->slot + L).copy_(k);
    cache->v->slice(2, cache->slot, cache->slot + L).copy_(v);
    k = cache->k->slice(2, 0, cache->slot + L);
    v = cache->v->slice(2, 0, cache->slot + L);
  }
  // GQA without copying K/V: query head h uses KV head h / groups, so the `groups` query heads
  // of one KV head are stacked along the query axis: [B, kvh, groups * L, hd].
  const at::Tensor qg = q.reshape({B, kvh, groups * L, hd});
  const at::Tensor attn = attention(c, qg, k, v, allowed)  // [B, kvh, g*L, hd]
                              .view({B, c.num_heads, L, hd})
                              .transpose(1, 2)
                              .reshape({B, L, c.num_heads * hd});
  at::Tensor attn_out = linear(attn, w.o, w.o_b);
  if (c.sandwich_norms) attn_out = rms_norm(c, attn_out, w.post_attention_norm);
  const at::Tensor out = h + attn_out;

  // ---- MLP: h += down(act(gate(x)) * up(x)), x = norm(h) (Gemma-2: the MLP output normed too)
  x = rms_norm(c, out, c.sandwich_norms ? w.pre_ffn_norm : w.post_attention_norm);
  at::Tensor gate, up;
  if (fused) {
    const at::Tensor gate_up = linear(x, fused->gate_up, fused->gate_up_bias);  // [B, L, 2 I]
    gate = gate_up.slice(-1, 0, c.intermediate_size);
    up = gate_up.slice(-1, c.intermediate_size);
  } else {
    gate = linear(x, w.gate, w.gate_b);
    up = linear(x, w.up, w.up_b);
  }
  at::Tensor mlp = linear(activation(c, gate) * up, w.down, w.down_b);
  if (c.sandwich_norms) mlp = rms_norm(c, mlp, w.post_ffn_norm);
  return out + mlp;
}

at::Tensor final_norm(const CausalLmConfig& c, const at::Tensor& norm_weight, const at::Tensor& h) {
  return rms_norm(c, h, norm_weight);
}

at::Tensor output_logits(const CausalLmConfig& c, const at::Tensor& output_matrix, const at::Tensor& x) {
  at::Tensor logits = at::matmul(x, output_matrix.t());
  if (c.final_logit_softcap) logits = soft_cap(logits, *c.final_logit_softcap);
  return logits;
}

at::Tensor head_forward(const CausalLmConfig& c, const at::Tensor& norm_weight, const at::Tensor& output_matrix,
                        const at::Tensor& h) {
  return output_logits(c, output_matrix, final_norm(c, norm_weight, h));
}

at::Tensor token_logprobs(const at::Tensor& logits, const at::Tensor& ids) {
  const int64_t L = ids.size(1);
  at::Tensor out = at::zeros({ids.size(0), L}, logits.options().dtype(at::kFloat));
  if (L < 2) return out;
  at::Tensor logp = at::log_softmax(logits.slice(1, 0, L - 1).to(at::kFloat), -1);  // predicts t = 1..L-1
  out.slice(1, 1, L).copy_(logp.gather(-1, ids.slice(1, 1, L).to(at::kLong).unsqueeze(-1)).squeeze(-1));
  return out;
}

// ---------------------------------------------------------------- CausalLM
CausalLM::CausalLM(CausalLmConfig config, std::vector<UnitParams> units, at::ScalarType dtype)
    : config_(std::move(config)), units_(std::move(units)), dtype_(dtype) {
  const ProjectionIndex x = projection_index(config_);
  for (int64_t l = 0; l < config_.num_layers; ++l) {
    UnitParams& p = units_.at(static_cast<std::size_t>(l + 1));
    FusedProjections f;
    f.qkv = join_as_views(p, {x.q, x.k, x.v});
    if (config_.qkv_bias) f.qkv_bias = join_as_views(p, {x.q_b, x.k_b, x.v_b});
    f.gate_up = join_as_views(p, {x.gate, x.up});
    if (config_.mlp_bias) f.gate_up_bias = join_as_views(p, {x.gate_b, x.up_b});
    fused_.push_back(std::move(f));
  }
}

void refuse_unexpected_tensors(const CausalLmConfig& config, const SafetensorsModel& weights,
                               const std::vector<std::vector<ParamSpec>>& specs) {
  std::set<std::string> expected;
  for (const auto& unit : specs)
    for (const auto& spec : unit) expected.insert(spec.name);
  // A tied model saved with its lm_head.weight anyway: transformers ties it to the embedding
  // on load and so ignores it; so do we.
  if (config.tie_word_embeddings) expected.insert("lm_head.weight");
  for (const auto& name : weights.names())
    if (!expected.count(name) && name.find("rotary_emb.inv_freq") == std::string::npos)
      throw FormatError(weights.file_of(name) + ": unexpected tensor " + name + " for a " + config.model_type + " model");
}

void check_causal_lm_folder(const std::string& folder) {
  const CausalLmConfig config = read_causal_lm_config(folder);
  const SafetensorsModel weights = SafetensorsModel::open(folder);
  const auto specs = causal_lm_unit_specs(config);
  for (const auto& unit : specs)
    for (const auto& spec : unit) check_weight(weights, spec.name, spec.shape);
  refuse_unexpected_tensors(config, weights, specs);
}

CausalLM CausalLM::load(const std::string& folder, at::ScalarType dtype, c10::Device device) {
  if (dtype != at::kFloat && dtype != at::kBFloat16)
    throw FormatError(folder + ": compute dtype must be float32 or bfloat16");
  const CausalLmConfig config = read_causal_lm_config(folder);
  const SafetensorsModel weights = SafetensorsModel::open(folder);
  const auto specs = causal_lm_unit_specs(config);
  std::vector<UnitParams> units;
  for (const auto& unit : specs) {
    UnitParams params;
    for (const auto& spec : unit) params.push_back(load_weight(weights, spec.name, spec.shape, dtype, nullptr, device));
    units.push_back(std::move(params));
  }
  refuse_unexpected_tensors(config, weights, specs);
  return CausalLM(config, std::move(units), dtype);
}

at::Tensor CausalLM::hidden(const at::Tensor& ids, const AttentionInputs& attn, KvCache* cache) const {
  const int64_t L = ids.size(1);
  at::Tensor h = embedding_forward(config_, units_.front().front(), ids);
  const auto [cos, sin] = rotary_tables(config_, attn.positions, dtype_);
  const AttentionMasks masks(config_, attn, L);
  for (int64_t l = 0; l < config_.num_layers; ++l) {
    const auto layer = static_cast<std::size_t>(l);
    const LayerCache slot{cache ? &cache->k[layer] : nullptr, cache ? &cache->v[layer] : nullptr, attn.slot};
    h = decoder_layer_forward(config_, units_[layer + 1], h, cos, sin, masks.layer(l), cache ? &slot : nullptr,
                              &fused_[layer]);
  }
  return h;
}

namespace {
// lm_head, or the embedding matrix when tied
const at::Tensor& output_matrix(const CausalLmConfig& c, const std::vector<UnitParams>& units) {
  return c.tie_word_embeddings ? units.front().front() : units.back().at(1);
}
}  // namespace

at::Tensor CausalLM::apply_head(const at::Tensor& h) const {
  return head_forward(config_, units_.back().at(0), output_matrix(config_, units_), h).to(at::kFloat);
}

at::Tensor CausalLM::logits(const at::Tensor& ids, const AttentionInputs& attn, KvCache* cache) const {
  return apply_head(hidden(ids, attn, cache));
}

at::Tensor CausalLM::last_logits(const at::Tensor& ids, const AttentionInputs& attn, KvCache* cache,
                                 at::Tensor* reuse) const {
  at::Tensor h = hidden(ids, attn, cache);
  h = h.slice(1, h.size(1) - 1).squeeze(1);  // [B, hidden]
  if (reuse == nullptr || dtype_ != at::kFloat) return apply_head(h);
  const int64_t B = h.size(0), V = config_.vocab_size;
  if (!reuse->defined() || reuse->size(0) < B || reuse->device() != h.device())
    *reuse = at::empty({B, V}, h.options());
  at::Tensor out = reuse->slice(0, 0, B);
  split_matmul_out(out, final_norm(config_, units_.back().at(0), h), output_matrix(config_, units_));
  if (config_.final_logit_softcap) soft_cap_(out, *config_.final_logit_softcap);
  return out;
}

}  // namespace sppo
