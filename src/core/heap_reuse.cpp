#include "core/heap_reuse.hpp"

#include <climits>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace sppo {

bool user_tunes_malloc(const char* glibc_tunables) {
  return glibc_tunables != nullptr && std::strstr(glibc_tunables, "glibc.malloc.") != nullptr;
}

bool keep_freed_memory(const char* glibc_tunables) {
#if defined(__GLIBC__)
  if (user_tunes_malloc(glibc_tunables)) return false;
  // No block is mmapped (so none is unmapped on free), and the heap's free top is returned
  // to the kernel only beyond INT_MAX bytes (mallopt takes an int).
  return mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, INT_MAX) == 1;
#else
  (void)glibc_tunables;
  return false;
#endif
}

}  // namespace sppo
