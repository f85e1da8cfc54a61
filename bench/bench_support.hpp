#pragma once
// defines: what every benchmark prints beside its figures: the best of three 2048^3 fp32
// matmuls in GFLOP/s, measured in the same process (ratios against it compare across runs
// on a shared, noisy machine), and a seconds-since helper.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>

namespace sppo::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

inline double matmul_gflops() {
  at::Tensor a = at::randn({2048, 2048}), b = at::randn({2048, 2048});
  at::matmul(a, b);
  double best = 0;
  for (int i = 0; i < 3; ++i) {
    const auto t = Clock::now();
    at::matmul(a, b);
    best = std::max(best, 2.0 * 2048 * 2048 * 2048 / seconds_since(t) / 1e9);
  }
  return best;
}

}  // namespace sppo::bench
