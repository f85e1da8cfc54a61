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

bool sse_era(const std::string& core) {
  // OpenBLAS reports lower case in some builds ("prescott"): compare without case.
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  const std::string name = lower(core);
  return std::any_of(kSseEraCores.begin(), kSseEraCores.end(), [&](const char* c) { return lower(c) == name; });
}

}  // namespace

std::string suggested_openblas_core(const std::string& core, const CpuVectorLevel& cpu, bool coretype_set) {
  if (coretype_set || core.empty() || !sse_era(core)) return "";
  if (cpu.avx512 && cpu.avx2_fma) return "SkylakeX";
  if (cpu.avx2_fma) return "Haswell";
  if (cpu.avx) return "Sandybridge";
  return "";
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
  kernel.suggested = suggested_openblas_core(kernel.core, probe_cpu_vector_level(), std::getenv("OPENBLAS_CORETYPE") != nullptr);
  return kernel;
}

std::string describe_blas_kernel(const BlasKernel& kernel) {
  if (kernel.core.empty()) return "BLAS: not OpenBLAS";
  std::string line = "BLAS: OpenBLAS, " + kernel.core + " kernels";
  if (!kernel.suggested.empty())
    line += " (generic on this CPU; OPENBLAS_CORETYPE=" + kernel.suggested + " in the environment runs its own)";
  return line;
}

std::string blas_kernel_warning(const BlasKernel& kernel) {
  if (kernel.suggested.empty()) return "";
  return "OpenBLAS does not know this CPU model and runs its generic " + kernel.core +
         " kernels: matmuls are several times slower than this CPU allows. Set OPENBLAS_CORETYPE=" +
         kernel.suggested + " in the job's environment (before sppo starts) to use its " + kernel.suggested +
         " kernels";
}

}  // namespace sppo
