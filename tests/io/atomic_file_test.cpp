#include "io/atomic_file.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(AtomicFile, CommitReplacesTheTargetWhole) {
  test::TempDir dir;
  test::write_file(dir.file("t"), "old");
  {
    AtomicFile f(dir.file("t"));
    f.write("new ", 4);
    EXPECT_EQ(test::read_file(dir.file("t")), "old") << "target untouched until commit";
    f.write("bytes", 5);
    f.commit();
  }
  EXPECT_EQ(test::read_file(dir.file("t")), "new bytes");
  EXPECT_EQ(test::run_process({"ls", "-A", dir.path()}).out, "t\n");
}

TEST(AtomicFile, AbandonedWriteLeavesNoTraceAndKeepsTheOldFile) {
  test::TempDir dir;
  test::write_file(dir.file("t"), "old");
  {
    AtomicFile f(dir.file("t"));
    f.write("partial", 7);
  }
  EXPECT_EQ(test::read_file(dir.file("t")), "old");
  EXPECT_EQ(test::run_process({"ls", "-A", dir.path()}).out, "t\n");
  EXPECT_THROW(AtomicFile(dir.file("missing/dir/x")), IoError);
}

TEST(AtomicFile, WriteFileAtomicallyReplacesTheWholeFile) {
  test::TempDir dir;
  test::write_file(dir.file("t"), "a much longer old content");
  write_file_atomically(dir.file("t"), "new");
  EXPECT_EQ(test::read_file(dir.file("t")), "new");
  EXPECT_EQ(test::run_process({"ls", "-A", dir.path()}).out, "t\n");
  EXPECT_THROW(write_file_atomically(dir.file("missing/dir/x"), "x"), IoError);
}

}  // namespace
}  // namespace sppo
