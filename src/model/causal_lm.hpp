#pragma once
// defines: the decoder-only causal LM of every registered family (SPEC.md §3 and §5; the
// family's choices are fields of CausalLmConfig) as a list of units (0 = embedding,
// 1..L = decoder layers, L+1 = head: final norm + lm_head, or the embedding matrix when tied),
// each a stateless function of its parameter tensors, so that the trainer can run the same
// functions on all-gathered shards (DESIGN.md §5); CausalLM, which holds a whole model's
// parameters; and the KV cache.
#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <vector>

#include "io/safetensors.hpp"
#include "model/causal_lm_config.hpp"

namespace sppo {

struct ParamSpec {
  std::string name;  // Hugging Face tensor name
  std::vector<int64_t> shape;
};

// The parameters of every unit, in the order the unit functions take them. With tied
// embeddings the head holds only the final norm and reuses unit 0's matrix.
std::vector<std::vector<ParamSpec>> causal_lm_unit_specs(const CausalLmConfig& config);

using UnitParams = std::vector<at::Tensor>;

// Refuses a tensor of `weights` that no unit of `specs` names (rotary inv_freq buffers, and a
// tied model's redundant lm_head.weight, aside):
// FormatError "<file>: unexpected tensor <name> for a <model_type> model".
void refuse_unexpected_tensors(const CausalLmConfig& config, const SafetensorsModel& weights,
                               const std::vector<std::vector<ParamSpec>>& specs);

// Every check CausalLM::load makes (config.json, tokenizer-independent: every tensor present,
// of its shape and a float dtype, none unexpected) from the safetensors headers alone, without
// reading a weight: what `sppo run` checks before any work. Throws FormatError naming the tensor.
void check_causal_lm_folder(const std::string& folder);

// K and V of every layer for cached decoding, each [batch, kv_heads, capacity, head_dim].
// Rows are left-padded prompts, so every row writes step s to the same slot.
struct KvCache {
  std::vector<at::Tensor> k;
  std::vector<at::Tensor> v;

  static KvCache allocate(const CausalLmConfig& config, int64_t batch, int64_t capacity, at::ScalarType dtype,
                          c10::Device device = c10::Device(c10::kCPU));
  int64_t batch() const { return k.empty() ? 0 : k.front().size(0); }
  int64_t capacity() const { return k.empty() ? 0 : k.front().size(2); }
  // A cache of `rows` (indices into this one, repeats allowed) with `capacity` slots, the
  // first `used` slots copied: expands a prefill to K samples, or drops finished rows.
  KvCache select_rows(const at::Tensor& rows, int64_t capacity, int64_t used) const;
};

// Where the new tokens of one forward call sit.
struct AttentionInputs {
  at::Tensor positions;  // [B, L] int64: RoPE positions of the new tokens
  at::Tensor key_valid;  // [B, slot + L] bool: key slots that hold real tokens (not padding)
  int64_t slot = 0;      // cache slot of the first new token (0 without a cache)
};

// Attention inputs of a padded batch run without a cache: positions = cumsum(mask) - 1.
AttentionInputs attention_from_mask(const at::Tensor& attention_mask);

// Which keys each new token may see, per layer: causal over slots and real keys only, and on a
// sliding-window layer only the last W (query i sees keys j, i − W < j ≤ i; slots of real
// tokens are consecutive, so slot and position differences agree). Each mask is
// [B, 1, 1, L, T] bool; layers with the same window share one.
class AttentionMasks {
 public:
  AttentionMasks(const CausalLmConfig& config, const AttentionInputs& attn, int64_t new_tokens);
  const at::Tensor& layer(int64_t l) const;

 private:
  std::vector<int64_t> layer_mask_;          // layer -> index into masks_
  std::vector<at::Tensor> masks_;
};

// One layer's part of a KV cache in a cached forward: the new tokens' K and V are written at
// `slot`, and attention covers slots [0, slot + L).
struct LayerCache {
  at::Tensor* k;  // [B, kv_heads, capacity, head_dim]
  at::Tensor* v;
  int64_t slot;
};

// One decoder layer's q, k, v projections as one matrix [(H + 2·kvh)·hd, hidden] and its gate
// and up projections as one [2·intermediate, hidden] (biases likewise, when the family has
// them): one matmul instead of three and one instead of two. CausalLM keeps these and holds
// the layer's q/k/v/gate/up parameters as views into them (no second copy).
struct FusedProjections {
  at::Tensor qkv, qkv_bias, gate_up, gate_up_bias;
};

// Unit functions. `h` is [B, L, hidden] in the compute dtype.
// Embedding rows (× √hidden in the compute dtype for the families that scale them).
at::Tensor embedding_forward(const CausalLmConfig& config, const at::Tensor& embed_tokens, const at::Tensor& ids);
// `allowed` is the layer's mask; without a cache (training, a whole-sequence forward) T = L.
// `fused`: the same layer's projections fused (the same math, fewer and larger matmuls).
at::Tensor decoder_layer_forward(const CausalLmConfig& config, const UnitParams& params, const at::Tensor& h,
                                 const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& allowed,
                                 const LayerCache* cache = nullptr, const FusedProjections* fused = nullptr);
// The head in its two parts: the final RMSNorm of h, and the output matrix applied to the
// normed x [.., hidden] -> logits [.., vocab] in the compute dtype, soft-capped for the
// families that cap them.
at::Tensor final_norm(const CausalLmConfig& config, const at::Tensor& norm_weight, const at::Tensor& h);
at::Tensor output_logits(const CausalLmConfig& config, const at::Tensor& output_matrix, const at::Tensor& x);
// Final RMSNorm and the output matrix (lm_head, or the embedding matrix when tied): logits
// [B, L, vocab] in the compute dtype, soft-capped for the families that cap them.
at::Tensor head_forward(const CausalLmConfig& config, const at::Tensor& norm_weight, const at::Tensor& output_matrix,
                        const at::Tensor& h);

// RoPE tables for `positions` [B, L]: cos, sin [B, L, head_dim] (fp32 math with the config's
// scaling, cast to dtype).
std::pair<at::Tensor, at::Tensor> rotary_tables(const CausalLmConfig& config, const at::Tensor& positions,
                                                at::ScalarType dtype);
// inv_freq [head_dim / 2] f32 after the config's rope scaling (llama3: transformers'
// _compute_llama3_parameters; linear: ÷ factor).
at::Tensor rope_inv_freq(const CausalLmConfig& config);

// log softmax(logits[b, t-1])[ids[b, t]] for t >= 1, 0 at t = 0: [B, L] float32.
at::Tensor token_logprobs(const at::Tensor& logits, const at::Tensor& ids);

class CausalLM {
 public:
  // Reads config.json and the safetensors weights of `folder`, checks every tensor's name
  // and shape (missing, unexpected or mis-shaped tensors are errors naming the tensor), and
  // converts them to `dtype` (float32 or bfloat16) on `device` (each tensor crosses once).
  static CausalLM load(const std::string& folder, at::ScalarType dtype, c10::Device device = c10::Device(c10::kCPU));
  CausalLM(CausalLmConfig config, std::vector<UnitParams> units, at::ScalarType dtype);

  const CausalLmConfig& config() const { return config_; }
  at::ScalarType dtype() const { return dtype_; }
  // Where the weights live; inputs go there.
  c10::Device device() const { return units_.front().front().device(); }
  int64_t num_units() const { return static_cast<int64_t>(units_.size()); }
  const UnitParams& unit(int64_t u) const { return units_[static_cast<std::size_t>(u)]; }

  // Hidden states after the last decoder layer, [B, L, hidden]. With a cache, K/V of the
  // new tokens are written at attn.slot and attention covers slots [0, slot + L).
  at::Tensor hidden(const at::Tensor& ids, const AttentionInputs& attn, KvCache* cache = nullptr) const;
  // Logits [B, L, vocab] in float32.
  at::Tensor logits(const at::Tensor& ids, const AttentionInputs& attn, KvCache* cache = nullptr) const;
  // Logits of the last position only, [B, vocab] float32 (what decoding needs). `reuse`: a
  // float32 model writes them into the first B rows of *reuse (grown when too small; the
  // caller's buffer across decode steps, so no [B, vocab] tensor is mapped anew per step), the
  // output matrix split over the threads (split_matmul_out: a decode step's few rows against
  // the vocabulary). Other dtypes ignore it.
  at::Tensor last_logits(const at::Tensor& ids, const AttentionInputs& attn, KvCache* cache = nullptr,
                         at::Tensor* reuse = nullptr) const;

 private:
  at::Tensor apply_head(const at::Tensor& h) const;
  CausalLmConfig config_;
  std::vector<UnitParams> units_;
  std::vector<FusedProjections> fused_;  // per decoder layer
  at::ScalarType dtype_;
};

}  // namespace sppo
