// The decode step's sampler alone (Google Benchmark): sample_tokens over 40 rows (8 prompts ×
// K = 5) of a 32000 vocabulary at T 0.7 and top-p 0.9, on logits ~ N(0, σ²): σ 0.32 is what
// the random bench model of generate_bench.cpp gives (a nearly flat row: top-p keeps ~90 % of
// the vocabulary), σ 3 a peaked row. Time per call; per row is that / 40.
//   build/bin/bench_sampler --benchmark_repetitions=3
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "generate/sampler.hpp"

namespace {

void BM_SampleTokens(benchmark::State& state) {
  const double sigma = static_cast<double>(state.range(0)) / 100.0;
  at::set_num_threads(static_cast<int>(state.range(1)));
  at::manual_seed(0);
  const int64_t rows = 40;
  const at::Tensor logits = at::randn({rows, 32000}) * sigma;
  std::vector<double> u(rows);
  for (int64_t r = 0; r < rows; ++r) u[static_cast<std::size_t>(r)] = std::fmod(static_cast<double>(r) * 0.618034, 1.0);
  sppo::SamplingParams params;
  params.temperature = 0.7;
  params.top_p = 0.9;
  for (auto _ : state) benchmark::DoNotOptimize(sppo::sample_tokens(logits, u, params));
  state.SetItemsProcessed(state.iterations() * rows);
}
// (σ × 100, threads)
BENCHMARK(BM_SampleTokens)->Args({32, 2})->Args({32, 1})->Args({300, 1})->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
