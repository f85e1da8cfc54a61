#pragma once
// defines: decode_attention, a decode step's attention (one query position per row) over the
// KV cache on the CPU in float32, without per-row BLAS calls or a materialised mask.
#include <ATen/core/Tensor.h>

#include <optional>

namespace sppo {

// The same function as explicit_attention (causal_lm.cpp) at L = 1:
//   out[b, h, j] = Σ_t softmax_t(s[b, h, j, t]) · v[b, h, t],
//   s = scale · (q[b, h, j] · k[b, h, t]), soft-capped (c · tanh(s / c)) when `softcap` is set,
//   and the lowest float where allowed[b, t] is false (so that a row that sees no key averages
//   every key, as explicit_attention does, instead of producing NaN).
// qg [B, kvh, g, hd] (the g query heads of each KV head), k and v [B, kvh, T, hd] (views of the
// cache: the last dimension contiguous), allowed [B, 1, 1, 1, T] bool -> [B, kvh, g, hd].
// Rows are independent: each row's result is the same bits whatever the batch and thread count.
// A decode step's attention is B·kvh products of (g × hd)·(hd × T): one BLAS call each costs
// more than the arithmetic, and the mask as a tensor a pass of its own; here the rows are cut
// into blocks per thread, each block's scores written by a dot-product loop, softmaxed by one
// ATen call (its vectorised exp) and applied to v by an accumulation loop.
at::Tensor decode_attention(const at::Tensor& qg, const at::Tensor& k, const at::Tensor& v, const at::Tensor& allowed,
                            double scale, std::optional<double> softcap);

// Whether decode_attention serves these inputs: CPU, float32, one query position, no autograd.
bool decode_attention_applies(const at::Tensor& qg, const at::Tensor& k, int64_t groups);

}  // namespace sppo
