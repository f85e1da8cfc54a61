// Loading a model's weights: the mmap reader (tensors share the page cache, no copy) versus
// reading every byte into fresh memory, as a stream-based loader does, on a 256 MiB file of
// 64 tensors. Both touch every page once, so the difference is the copy.
//   build/bin/bench_safetensors --benchmark_repetitions=3
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <fstream>
#include <vector>

#include "io/safetensors.hpp"
#include "io/safetensors_writer.hpp"

namespace {

const std::string& bench_file() {
  static const std::string path = [] {
    std::string p = "/tmp/sppo-bench-" + std::to_string(::getpid()) + ".safetensors";
    std::vector<sppo::NamedTensor> tensors;
    for (int i = 0; i < 64; ++i) tensors.push_back({"t" + std::to_string(i), at::randn({1024, 1024})});
    sppo::write_safetensors(p, tensors);
    return p;
  }();
  return path;
}

// Sum one float per 4 KiB page: every page is touched, little arithmetic.
double touch(const float* data, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; i += 1024) s += data[i];
  return s;
}

void BM_MmapReader(benchmark::State& state) {
  const std::string& path = bench_file();
  for (auto _ : state) {
    const auto model = sppo::SafetensorsModel::open(path);
    double s = 0;
    for (const auto& name : model.names()) {
      at::Tensor t = model.tensor(name);
      s += touch(t.data_ptr<float>(), t.numel());
    }
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(state.iterations() * 64 * (4 << 20));
}

void BM_ReadIntoMemory(benchmark::State& state) {
  const std::string& path = bench_file();
  for (auto _ : state) {
    std::ifstream in(path, std::ios::binary);
    in.seekg(0, std::ios::end);
    std::vector<char> bytes(static_cast<std::size_t>(in.tellg()));
    in.seekg(0);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    const auto* floats = reinterpret_cast<const float*>(bytes.data() + bytes.size() - (64 << 22));
    benchmark::DoNotOptimize(touch(floats, 64 << 20));
  }
  state.SetBytesProcessed(state.iterations() * 64 * (4 << 20));
}

BENCHMARK(BM_MmapReader)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadIntoMemory)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  ::unlink(bench_file().c_str());
  return 0;
}
