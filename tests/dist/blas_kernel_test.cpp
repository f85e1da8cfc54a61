#include "dist/blas_kernel.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace sppo {
namespace {

CpuVectorLevel level(bool avx, bool avx2, bool avx512) { return {avx, avx2, avx512}; }

TEST(BlasKernel, SuggestsTheCpusKernelsOnlyForAGenericFallback) {
  const CpuVectorLevel sapphire = level(true, true, true), zen3 = level(true, true, false), ivy = level(true, false, false);
  struct Case {
    const char* core;
    CpuVectorLevel cpu;
    bool set;
    const char* expected;
  };
  const Case cases[] = {
      {"Prescott", sapphire, false, "SkylakeX"},  // an Emerald Rapids that OpenBLAS 0.3.21 does not know
      {"prescott", sapphire, false, "SkylakeX"},
      {"Unknown", zen3, false, "Haswell"},
      {"Nehalem", ivy, false, "Sandybridge"},
      {"Core2", level(false, false, false), false, ""},  // nothing better to run
      {"Prescott", sapphire, true, ""},                  // the user chose (OPENBLAS_CORETYPE set)
      {"SkylakeX", sapphire, false, ""},
      {"Haswell", sapphire, false, ""},                  // a vector kernel the user or OpenBLAS chose
      {"Zen", sapphire, false, ""},
      {"Sandybridge", zen3, false, ""},
      {"", sapphire, false, ""},                         // not OpenBLAS
  };
  for (const Case& c : cases)
    EXPECT_EQ(suggested_openblas_core(c.core, c.cpu, c.set), c.expected) << c.core;
}

TEST(BlasKernel, MessagesNameTheCoreAndTheVariable) {
  EXPECT_EQ(describe_blas_kernel({"SkylakeX", ""}), "BLAS: OpenBLAS, SkylakeX kernels");
  EXPECT_EQ(describe_blas_kernel({"", ""}), "BLAS: not OpenBLAS");
  const BlasKernel slow{"Prescott", "SkylakeX"};
  EXPECT_NE(describe_blas_kernel(slow).find("OPENBLAS_CORETYPE=SkylakeX"), std::string::npos);
  EXPECT_NE(blas_kernel_warning(slow).find("generic Prescott kernels"), std::string::npos);
  EXPECT_NE(blas_kernel_warning(slow).find("OPENBLAS_CORETYPE=SkylakeX"), std::string::npos);
  EXPECT_EQ(blas_kernel_warning({"SkylakeX", ""}), "");
}

// The tests link LibTorch, which loads Debian's OpenBLAS (scripts/setup installs it): the
// probe finds it and reads its core; with OPENBLAS_CORETYPE set it suggests nothing.
TEST(BlasKernel, ProbeReadsTheLoadedOpenBlas) {
  const BlasKernel kernel = probe_blas_kernel();
  EXPECT_FALSE(kernel.core.empty());
  if (std::getenv("OPENBLAS_CORETYPE")) {
    EXPECT_EQ(kernel.suggested, "");
  }
  const CpuVectorLevel cpu = probe_cpu_vector_level();
  EXPECT_TRUE(!cpu.avx512 || cpu.avx2_fma);  // no AVX-512 CPU lacks AVX2
  EXPECT_EQ(kernel.suggested, suggested_openblas_core(kernel.core, cpu, std::getenv("OPENBLAS_CORETYPE") != nullptr));
}

}  // namespace
}  // namespace sppo
