#pragma once
// defines: BlasKernel (which kernel family the process's OpenBLAS runs, and a better one when
// this CPU has it), probe_blas_kernel, and the messages `sppo version` and the job log print.
//
// OpenBLAS (through LibTorch) picks its kernels at load time from the CPU model. A CPU newer
// than the OpenBLAS release (Debian 12 has 0.3.21: an Emerald Rapids Xeon, model 207, seen
// here) falls back to the generic "Prescott" SSE3 kernels, and fp32 matmul runs 5x slower
// (23 against 130 GFLOP/s on one core, 2048^3); an AMD EPYC of family 26 (Zen 5, AVX-512)
// gets the AVX2 "Haswell" kernels, half as fast as its "SkylakeX" (118 against 228). The
// choice is made before main runs, so sppo
// cannot change it; it says so and names the OPENBLAS_CORETYPE that matches the CPU's
// instruction set.
#include <string>

namespace sppo {

// The instruction sets that decide which OpenBLAS kernels the CPU can run.
struct CpuVectorLevel {
  bool avx = false;
  bool avx2_fma = false;  // AVX2 and FMA
  bool avx512 = false;    // AVX-512 F, BW, DQ and VL (OpenBLAS's SkylakeX kernels)
};

struct BlasKernel {
  std::string core;       // openblas_get_corename(), e.g. "SkylakeX"; empty when the BLAS is not OpenBLAS
  std::string suggested;  // an OPENBLAS_CORETYPE this CPU runs faster; empty when the choice is fine
  std::string chosen;     // OPENBLAS_CORETYPE as the environment set it; empty when unset
};

// The rule, on its own: when OpenBLAS runs kernels of a lower vector level than the CPU has
// (SSE era: its fallback for a CPU model it does not know; or AVX2 on an AVX-512 CPU), the
// kernels of the CPU's level: "SkylakeX" with AVX-512, "Haswell" with AVX2 and FMA,
// "Sandybridge" with AVX alone. Nothing when the core is of the CPU's level or its name is not
// one this rule knows (another architecture's).
std::string suggested_openblas_core(const std::string& core, const CpuVectorLevel& cpu);

// This process's OpenBLAS core (looked up by name among the loaded libraries) and this CPU.
CpuVectorLevel probe_cpu_vector_level();
BlasKernel probe_blas_kernel();

// `sppo version`'s line: "BLAS: OpenBLAS, Prescott kernels (...)" or "BLAS: not OpenBLAS".
std::string describe_blas_kernel(const BlasKernel& kernel);
// The job log's warning when OpenBLAS chose slow kernels itself, empty otherwise.
std::string blas_kernel_warning(const BlasKernel& kernel);
// The job log's note (info, not a warning: a value the user set is kept) when the environment's
// OPENBLAS_CORETYPE runs kernels below the CPU's level, empty otherwise.
std::string blas_kernel_note(const BlasKernel& kernel);

}  // namespace sppo
