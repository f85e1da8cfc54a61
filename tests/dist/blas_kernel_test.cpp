#include "dist/blas_kernel.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace sppo {
namespace {

CpuVectorLevel level(bool avx, bool avx2, bool avx512) { return {avx, avx2, avx512}; }

TEST(BlasKernel, SuggestsTheCpusKernelsOnlyBelowItsVectorLevel) {
  const CpuVectorLevel avx512 = level(true, true, true), zen3 = level(true, true, false), ivy = level(true, false, false);
  struct Case {
    const char* core;
    CpuVectorLevel cpu;
    const char* expected;
  };
  const Case cases[] = {
      {"Prescott", avx512, "SkylakeX"},  // an Emerald Rapids that OpenBLAS 0.3.21 does not know
      {"prescott", avx512, "SkylakeX"},
      {"Unknown", zen3, "Haswell"},
      {"Nehalem", ivy, "Sandybridge"},
      {"Core2", level(false, false, false), ""},  // nothing better to run
      {"Haswell", avx512, "SkylakeX"},            // AVX2 kernels on an AVX-512 CPU (a Zen 5 EPYC here)
      {"zen", avx512, "SkylakeX"},
      {"Sandybridge", zen3, "Haswell"},
      {"Haswell", zen3, ""},  // the CPU's own level
      {"Excavator", zen3, ""},
      {"SkylakeX", avx512, ""},
      {"Cooperlake", avx512, ""},
      {"Sandybridge", ivy, ""},
      {"NeoverseN1", avx512, ""},  // a name the rule does not know
      {"", avx512, ""},            // not OpenBLAS
  };
  for (const Case& c : cases) EXPECT_EQ(suggested_openblas_core(c.core, c.cpu), c.expected) << c.core;
}

TEST(BlasKernel, MessagesNameTheCoreAndTheVariable) {
  EXPECT_EQ(describe_blas_kernel({"SkylakeX", "", ""}), "BLAS: OpenBLAS, SkylakeX kernels");
  EXPECT_EQ(describe_blas_kernel({"", "", ""}), "BLAS: not OpenBLAS");
  EXPECT_EQ(blas_kernel_warning({"SkylakeX", "", ""}), "");
  EXPECT_EQ(blas_kernel_note({"SkylakeX", "", "SkylakeX"}), "");

  const BlasKernel slow{"Prescott", "SkylakeX", ""};  // OpenBLAS's own choice: a warning
  EXPECT_EQ(describe_blas_kernel(slow),
            "BLAS: OpenBLAS, Prescott kernels (generic on this CPU; OPENBLAS_CORETYPE=SkylakeX in the environment runs its "
            "own)");
  EXPECT_NE(blas_kernel_warning(slow).find("runs its Prescott kernels (generic on this CPU)"), std::string::npos);
  EXPECT_NE(blas_kernel_warning(slow).find("Set OPENBLAS_CORETYPE=SkylakeX"), std::string::npos);
  EXPECT_EQ(blas_kernel_note(slow), "");

  const BlasKernel narrow{"Haswell", "SkylakeX", ""};
  EXPECT_NE(blas_kernel_warning(narrow).find("runs its Haswell kernels (AVX2 on an AVX-512 CPU)"), std::string::npos);

  const BlasKernel chosen{"Haswell", "SkylakeX", "Haswell"};  // the user's (or the site's) choice: kept, noted
  EXPECT_EQ(describe_blas_kernel(chosen),
            "BLAS: OpenBLAS, Haswell kernels (OPENBLAS_CORETYPE=Haswell from the environment: AVX2 on an AVX-512 CPU, whose "
            "own are SkylakeX)");
  EXPECT_EQ(blas_kernel_warning(chosen), "");
  EXPECT_NE(blas_kernel_note(chosen).find("OPENBLAS_CORETYPE=Haswell from the environment runs Haswell kernels"),
            std::string::npos);
  EXPECT_NE(blas_kernel_note(chosen).find("OPENBLAS_CORETYPE=SkylakeX would run"), std::string::npos);
}

// The tests link LibTorch, which loads Debian's OpenBLAS (scripts/setup installs it): the
// probe finds it, reads its core and the environment's choice.
TEST(BlasKernel, ProbeReadsTheLoadedOpenBlas) {
  const BlasKernel kernel = probe_blas_kernel();
  EXPECT_FALSE(kernel.core.empty());
  const char* chosen = std::getenv("OPENBLAS_CORETYPE");
  EXPECT_EQ(kernel.chosen, chosen ? chosen : "");
  const CpuVectorLevel cpu = probe_cpu_vector_level();
  EXPECT_TRUE(!cpu.avx512 || cpu.avx2_fma);  // no AVX-512 CPU lacks AVX2
  EXPECT_EQ(kernel.suggested, suggested_openblas_core(kernel.core, cpu));
}

}  // namespace
}  // namespace sppo
