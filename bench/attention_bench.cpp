// A decode step's attention alone (Google Benchmark), on the shape of generate_bench.cpp's
// model (4 KV heads of 32 dimensions, 2 query heads each) over a cache of T = 190 slots (a
// 60-token prompt after 128 steps; the generation bench's longest): decode_attention against
// the same function as ATen operations, as explicit_attention runs it (a batched product of
// q and kᵀ, the mask as an added bias, softmax, a batched product with v). Per call for B rows
// at 1 and 2 threads; bytes_per_second counts the cache's K and V, each read once. At 320 rows
// the cache (62 MB) is read from memory, and timings swing with the machine's memory traffic:
// interleave the two and repeat,
//   build/bin/bench_attention --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <limits>

#include "model/decode_attention.hpp"

namespace {

constexpr int64_t kKvHeads = 4, kGroups = 2, kHeadDim = 32, kSlots = 190, kCapacity = 188 + 64;

struct Inputs {
  at::Tensor qg, k, v, allowed;
  explicit Inputs(int64_t rows) {
    at::manual_seed(0);
    qg = at::randn({rows, kKvHeads, kGroups, kHeadDim});
    // Views of a longer cache, as the engine's are.
    k = at::randn({rows, kKvHeads, kCapacity, kHeadDim}).slice(2, 0, kSlots);
    v = at::randn({rows, kKvHeads, kCapacity, kHeadDim}).slice(2, 0, kSlots);
    allowed = (at::rand({rows, 1, 1, 1, kSlots}) > 0.1);  // a tenth masked, as left padding is
  }
};

void report(benchmark::State& state, int64_t rows) {
  state.SetBytesProcessed(state.iterations() * 2 * rows * kKvHeads * kSlots * kHeadDim * 4);
}

void BM_DecodeAttention(benchmark::State& state) {
  at::set_num_threads(static_cast<int>(state.range(1)));
  const Inputs in(state.range(0));
  for (auto _ : state)
    benchmark::DoNotOptimize(sppo::decode_attention(in.qg, in.k, in.v, in.allowed, 1.0 / std::sqrt(32.0), {}));
  report(state, state.range(0));
}

// explicit_attention's operations on rows [first, last).
at::Tensor aten_operations(const Inputs& in, int64_t first, int64_t last) {
  const int64_t B = last - first;
  const at::Tensor k = in.k.slice(0, first, last), v = in.v.slice(0, first, last);
  const at::Tensor allowed = in.allowed.slice(0, first, last);
  at::Tensor scores = at::matmul(in.qg.slice(0, first, last), k.transpose(2, 3)) * (1.0 / std::sqrt(32.0));
  const at::Tensor bias = at::zeros(allowed.sizes(), scores.options())
                              .masked_fill_(allowed.logical_not(), std::numeric_limits<float>::lowest());
  scores = scores.view({B, kKvHeads, kGroups, 1, kSlots}) + bias;
  const at::Tensor probs = at::softmax(scores, -1).view({B, kKvHeads, kGroups, kSlots});
  return at::matmul(probs, v);
}

// As the engine ran them before decode_attention (explicit_attention_threaded): the rows cut
// into one block per thread, each block's operations on its thread.
void BM_AtenOperations(benchmark::State& state) {
  const int64_t threads = state.range(1), B = state.range(0);
  at::set_num_threads(static_cast<int>(threads));
  const Inputs in(B);
  for (auto _ : state) {
    at::Tensor out = at::empty(in.qg.sizes(), in.qg.options());
    at::parallel_for(0, B, (B + threads - 1) / threads, [&](int64_t first, int64_t last) {
      out.slice(0, first, last).copy_(aten_operations(in, first, last));
    });
    benchmark::DoNotOptimize(out);
  }
  report(state, B);
}
// (rows, threads): 8 and 64 prompts × K = 5
BENCHMARK(BM_DecodeAttention)->Args({40, 1})->Args({320, 1})->Args({320, 2})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AtenOperations)->Args({40, 1})->Args({320, 1})->Args({320, 2})->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
