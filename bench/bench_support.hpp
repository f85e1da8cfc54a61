#pragma once
// defines: what every benchmark prints beside its figures: the best of three n^3 matmuls in
// GFLOP/s (2048^3 fp32 on the CPU by default), measured in the same process (ratios against
// it compare across runs on a shared, noisy machine), a device sync for timing GPU work, a
// seconds-since helper, and the heap setting `sppo` runs with.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "core/heap_reuse.hpp"

namespace sppo::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Waits until the device has run what was queued (a host read syncs torch's stream); no-op on the CPU.
inline void sync(c10::Device device) {
  if (device.is_cuda()) at::zeros({1}, at::TensorOptions().device(device)).cpu();
}

// Keeps malloc's freed blocks in its heap, as `sppo` does by default (dist.freed_memory: auto,
// where nothing checkpoints), unless `keep` is false (--freed-memory release) or the user's
// GLIBC_TUNABLES tunes malloc; prints which. Call at the start of main.
inline void keep_freed_memory_as_sppo_does(bool keep) {
  const bool kept = keep && keep_freed_memory(std::getenv("GLIBC_TUNABLES"));
  std::printf("freed memory: %s\n", kept ? "kept in the heap" : "returned to the kernel (glibc default)");
}

// Best of three timings of `calls` n^3 matmuls, in GFLOP/s.
inline double matmul_gflops(c10::Device device = c10::Device(c10::kCPU), at::ScalarType dtype = at::kFloat,
                            int64_t n = 2048, int calls = 1) {
  const auto options = at::TensorOptions().device(device).dtype(dtype);
  at::Tensor a = at::randn({n, n}, options), b = at::randn({n, n}, options);
  at::matmul(a, b);
  sync(device);
  double best = 0;
  for (int i = 0; i < 3; ++i) {
    const auto t = Clock::now();
    for (int c = 0; c < calls; ++c) at::matmul(a, b);
    sync(device);
    best = std::max(best, calls * 2.0 * static_cast<double>(n * n * n) / seconds_since(t) / 1e9);
  }
  return best;
}

}  // namespace sppo::bench
