#include "dist/blas_kernel.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

namespace sppo {
namespace {

// OpenBLAS's names (driver/others/dynamic.c) of the x86 kernels older than AVX, including
// "Unknown": what a CPU model it does not recognise gets.
constexpr std::array<const char*, 18> kSseEraCores{"Unknown",  "Katmai",    "Coppermine", "Northwood", "Prescott",
                                                   "Banias",   "Atom",      "Core2",      "Penryn",    "Dunnington",
                                                   "Nehalem",  "Athlon",    "Opteron",    "Opteron_SSE3",
                                                   "Barcelona", "Nano",     "Bobcat",     "Generic"};
// The kernels of each vector level, by the instruction set their inner loops use.
constexpr std::array<const char*, 4> kAvxCores{"Sandybridge", "Bulldozer", "Piledriver", "Steamroller"};
constexpr std::array<const char*, 3> kAvx2Cores{"Haswell", "Zen", "Excavator"};
constexpr std::array<const char*, 3> kAvx512Cores{"SkylakeX", "Cooperlake", "SapphireRapids"};

std::string lower(std::string s) {
  // OpenBLAS reports lower case in some builds ("prescott"): compare without case.
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

template <std::size_t N>
bool named_in(const std::string& core, const std::array<const char*, N>& names) {
  const std::string name = lower(core);
  return std::any_of(names.begin(), names.end(), [&](const char* c) { return lower(c) == name; });
}

// 0 SSE era, 1 AVX, 2 AVX2 + FMA, 3 AVX-512; -1 for a name not listed (another architecture's,
// or one newer than this list): nothing is suggested for it.
int core_level(const std::string& core) {
  if (named_in(core, kSseEraCores)) return 0;
  if (named_in(core, kAvxCores)) return 1;
  if (named_in(core, kAvx2Cores)) return 2;
  if (named_in(core, kAvx512Cores)) return 3;
  return -1;
}

constexpr std::array<const char*, 4> kLevelName{"SSE", "AVX", "AVX2", "AVX-512"};

int cpu_level(const CpuVectorLevel& cpu) {
  if (cpu.avx512 && cpu.avx2_fma) return 3;
  if (cpu.avx2_fma) return 2;
  return cpu.avx ? 1 : 0;
}

}  // namespace

std::string suggested_openblas_core(const std::string& core, const CpuVectorLevel& cpu) {
  if (core.empty()) return "";
  const int have = core_level(core), can = cpu_level(cpu);
  if (have < 0 || have >= can) return "";
  constexpr std::array<const char*, 4> kOfLevel{"", "Sandybridge", "Haswell", "SkylakeX"};
  return kOfLevel[static_cast<std::size_t>(can)];
}

CpuVectorLevel probe_cpu_vector_level() {
  CpuVectorLevel level;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  level.avx = __builtin_cpu_supports("avx");
  level.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  level.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                 __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
  return level;
}

BlasKernel probe_blas_kernel() {
  BlasKernel kernel;
  // LibTorch loads OpenBLAS (as libblas.so.3) with the process: its symbols are in the global
  // scope. Another BLAS has no openblas_get_corename.
  using CoreName = char* (*)();
  if (auto corename = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"))) {
    const char* name = corename();
    kernel.core = name && *name ? name : "Unknown";
  }
  kernel.suggested = suggested_openblas_core(kernel.core, probe_cpu_vector_level());
  if (const char* chosen = std::getenv("OPENBLAS_CORETYPE")) kernel.chosen = chosen;
  return kernel;
}

namespace {

// "AVX2 on an AVX-512 CPU", or "generic on this CPU" for SSE-era kernels.
std::string level_gap(const BlasKernel& kernel) {
  const int have = core_level(kernel.core), can = core_level(kernel.suggested);
  if (have == 0) return "generic on this CPU";
  return std::string(kLevelName[static_cast<std::size_t>(have)]) + " on an " + kLevelName[static_cast<std::size_t>(can)] +
         " CPU";
}

}  // namespace

std::string describe_blas_kernel(const BlasKernel& kernel) {
  if (kernel.core.empty()) return "BLAS: not OpenBLAS";
  const std::string line = "BLAS: OpenBLAS, " + kernel.core + " kernels";
  if (kernel.suggested.empty()) return line;
  if (!kernel.chosen.empty())
    return line + " (OPENBLAS_CORETYPE=" + kernel.chosen + " from the environment: " + level_gap(kernel) + ", whose own are " +
           kernel.suggested + ")";
  return line + " (" + level_gap(kernel) + "; OPENBLAS_CORETYPE=" + kernel.suggested + " in the environment runs its own)";
}

// Measured (README, CPU nodes): SSE kernels 5x below an AVX-512 CPU's own, AVX2 ones 2x.
std::string blas_kernel_warning(const BlasKernel& kernel) {
  if (kernel.suggested.empty() || !kernel.chosen.empty()) return "";
  return "OpenBLAS does not know this CPU model and runs its " + kernel.core + " kernels (" + level_gap(kernel) +
         "): matmuls are several times slower than this CPU allows. Set OPENBLAS_CORETYPE=" + kernel.suggested +
         " in the job's environment (before sppo starts) to use its " + kernel.suggested + " kernels";
}

std::string blas_kernel_note(const BlasKernel& kernel) {
  if (kernel.suggested.empty() || kernel.chosen.empty()) return "";
  return "OPENBLAS_CORETYPE=" + kernel.chosen + " from the environment runs " + kernel.core + " kernels (" +
         level_gap(kernel) + "); kept as set. OPENBLAS_CORETYPE=" + kernel.suggested +
         " would run this CPU's own (2x the fp32 matmul speed on a Zen 5 EPYC)";
}

}  // namespace sppo
