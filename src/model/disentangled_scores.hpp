#pragma once
// defines: disentangled_probs, DeBERTa's attention probabilities (SPEC.md §4) from its three
// score terms, on the CPU in one pass over the [B, heads, L, L] scores instead of eight
// (two gathers, two divisions, two additions, two masked fills): every extra pass over a
// tensor that size (22 MB a head set at L = 680) cost as much as the matmuls that made it.
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

}  // namespace sppo
