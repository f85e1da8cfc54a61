#include "model/split_matmul.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>

namespace sppo {

void split_matmul_out(at::Tensor& out, const at::Tensor& x, const at::Tensor& w) {
  const int64_t threads = at::get_num_threads(), n = w.size(0);
  if (threads < 2 || at::in_parallel_region() || !out.device().is_cpu() || out.scalar_type() != at::kFloat ||
      n < 2 * threads) {
    at::mm_out(out, x, w.t());
    return;
  }
  const int64_t block = (n + threads - 1) / threads;
  // One task per block; inside the parallel region the BLAS call runs on its own thread.
  at::parallel_for(0, threads, 1, [&](int64_t first, int64_t last) {
    for (int64_t t = first; t < last; ++t) {
      const int64_t begin = t * block, end = std::min(n, begin + block);
      if (begin >= end) continue;
      at::Tensor part = out.slice(1, begin, end);
      at::mm_out(part, x, w.slice(0, begin, end).t());
    }
  });
}

}  // namespace sppo
