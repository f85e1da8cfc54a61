#pragma once
// defines: split_matmul_out, a skinny product x · wᵀ spread over the threads by blocks of w's
// rows (the output's columns), each block one single-threaded BLAS call.
#include <ATen/core/Tensor.h>

namespace sppo {

// out [M, N] = x [M, K] · w[N, K]ᵀ, on the CPU in float32 (out a row-major view whose rows
// may be longer than N). With T > 1 threads and no enclosing parallel region, w's N rows are
// cut into T blocks and each thread multiplies x by its block alone: a decode step's few rows
// (M in the tens) against a large matrix (the output layer) is ~1.3× faster at 2 threads than
// one multi-threaded BLAS call, which splits such a product poorly. Each output element is
// still one BLAS dot product over all of K; whether its last bit matches the one-call product
// depends on the BLAS's blocking of K (measured equal with OpenBLAS at K = 256). Otherwise
// (one thread, another device or dtype, inside a parallel region): at::mm_out.
void split_matmul_out(at::Tensor& out, const at::Tensor& x, const at::Tensor& w);

}  // namespace sppo
