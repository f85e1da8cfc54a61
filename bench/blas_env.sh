# Sourced by the bench scripts (from the repository root, after scripts/build). OpenBLAS picks
# its kernels from the CPU model when it loads; on a model newer than Debian 12's OpenBLAS
# 0.3.21 it runs its generic SSE3 kernels (5x slower fp32 matmul), on a Zen 5 EPYC its AVX2
# ones (2x slower than its AVX-512 ones). `sppo version` says when;
# then the benches export OPENBLAS_CORETYPE with the CPU's own kernels, for sppo and the Python
# peers alike (both load the same OpenBLAS), and print that they did. A value already in the
# environment is kept (and said, with the kernels it runs). Tests and CI never set it
# (ENVIRONMENT.md).
if [ -n "${OPENBLAS_CORETYPE+set}" ]; then
  echo "bench: $(build/bin/sppo version | grep '^BLAS:' || true) [kept as set]"
else
  blas_line=$(build/bin/sppo version | grep '^BLAS:' || true)
  blas_core=$(echo "$blas_line" | sed -n 's/.*OPENBLAS_CORETYPE=\([A-Za-z0-9_]*\).*/\1/p')
  if [ -n "$blas_core" ]; then
    export OPENBLAS_CORETYPE=$blas_core
    blas_why=${blas_line#*(}
    echo "bench: ${blas_line%% (*}, ${blas_why%%;*}: the benches run with OPENBLAS_CORETYPE=$blas_core (both sides)"
  fi
fi
