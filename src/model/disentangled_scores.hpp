#pragma once
// defines: disentangled_probs, DeBERTa's attention probabilities (SPEC.md §4) from its three
// score terms, on the CPU in one pass over the [B, heads, L, L] scores instead of eight
// (two gathers, two divisions, two additions, two masked fills): every extra pass over a
// tensor that size (22 MB a head set at L = 680) cost as much as the matmuls that made it;
// and disentangled_context, the whole attention (scores, probabilities, probabilities × v)
// one row and head at a time, so no [B, heads, L, L] tensor is made at all.
#include <ATen/core/Tensor.h>

namespace sppo {

// content [B, heads, L, L]: q·kᵀ / scale; c2p and p2c [B, heads, L, 2S] (undefined when the
// model lacks the term): q·Krᵀ and k·Qrᵀ; rel_index [L, L] int64: idx(i, j) into 2S;
// keep [B, L] bool. Returns softmax over j of
//   s_ij = content_ij + c2p[i, idx(i, j)] / scale + p2c[j, idx(i, j)] / scale,
// with s_ij = the dtype's lowest value where query i or key j is padding, and probability 0
// for every key of a padding query (DeBERTa's XSoftmax). The terms are added in this order
// in the tensor's dtype, as the tensor expression would, so the result is the same to the
// bit. On the CPU in float32, `content` is overwritten; otherwise tensor operations run.
at::Tensor disentangled_probs(at::Tensor content, const at::Tensor& c2p, const at::Tensor& p2c,
                              const at::Tensor& rel_index, const at::Tensor& keep, double scale);

// The same as tensor operations (gathers, divisions, additions, masked fills, softmax): what
// runs off the CPU and for other dtypes.
at::Tensor disentangled_probs_tensors(const at::Tensor& content, const at::Tensor& c2p, const at::Tensor& p2c,
                                      const at::Tensor& rel_index, const at::Tensor& keep, double scale);

// The attention's output: context[b, i, h·d + e] = Σ_j probs[b, h, i, j] · v[b, h, j, e] with
// probs = disentangled_probs(q·(k / scale)ᵀ, q·Krᵀ, k·Qrᵀ, ...) as DebertaEncoder's layer has
// them. q, k, v [B, heads, L, d]; pos_key (Kr) and pos_query (Qr) [1, heads, 2S, d], either
// undefined when the model lacks that term; returns [B, L, heads·d]. On the CPU in float32 it
// works on one (row, head) at a time, over the row's first n positions (n: one past its last
// kept token), in buffers of n × n that stay in cache, spread over the threads; positions
// after n are padding and get a zero context, as their probabilities are zero. Keys after n
// would get probability exactly 0, so leaving them out changes nothing but the rounding of
// the sums (within 1e-6 of the tensor form, DisentangledContext test). Elsewhere: the tensor
// form.
at::Tensor disentangled_context(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& pos_key,
                                const at::Tensor& pos_query, const at::Tensor& rel_index, const at::Tensor& keep,
                                double scale);

// The same as batched tensor operations over [B, heads, L, L].
at::Tensor disentangled_context_tensors(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                        const at::Tensor& pos_key, const at::Tensor& pos_query,
                                        const at::Tensor& rel_index, const at::Tensor& keep, double scale);

}  // namespace sppo
