#include "core/heap_reuse.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace sppo {
namespace {

TEST(HeapReuse, TheUsersMallocTunablesAreKept) {
  EXPECT_FALSE(user_tunes_malloc(nullptr));
  EXPECT_FALSE(user_tunes_malloc(""));
  EXPECT_FALSE(user_tunes_malloc("glibc.cpu.hwcaps=-AVX512F"));
  EXPECT_TRUE(user_tunes_malloc("glibc.malloc.arena_max=2"));
  EXPECT_TRUE(user_tunes_malloc("glibc.cpu.hwcaps=-AVX512F:glibc.malloc.mmap_threshold=65536"));
  EXPECT_FALSE(keep_freed_memory("glibc.malloc.arena_max=2"));  // changes nothing
}

#if defined(__GLIBC__)
// After keep_freed_memory a 64 MiB block (above glibc's largest mmap threshold, 32 MiB) comes
// from the heap, not from its own mapping, and once freed it stays there for reuse.
TEST(HeapReuse, LargeBlocksComeFromTheHeapAndStayThereWhenFreed) {
  ASSERT_TRUE(keep_freed_memory(nullptr));
  constexpr std::size_t kBytes = std::size_t{64} << 20;
  const struct mallinfo2 before = mallinfo2();
  char* block = static_cast<char*>(std::malloc(kBytes));
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, kBytes);
  const struct mallinfo2 holding = mallinfo2();
  EXPECT_EQ(holding.hblkhd, before.hblkhd);  // no new mapping
  EXPECT_GE(holding.uordblks, before.uordblks + kBytes);  // in use, from the heap
  std::free(block);
  const struct mallinfo2 after = mallinfo2();
  EXPECT_GE(after.arena, holding.arena);  // not trimmed away
  EXPECT_GE(after.fordblks, kBytes);      // free for the next request
}
#endif

}  // namespace
}  // namespace sppo
