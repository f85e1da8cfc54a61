#include "io/mapped_file.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(MappedFile, MapsBytesAndMoves) {
  test::TempDir dir;
  test::write_file(dir.file("f"), "hello");
  MappedFile a(dir.file("f"));
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(a.data()), 5), "hello");
  MappedFile b(std::move(a));
  EXPECT_EQ(b.size(), 5u);
  EXPECT_EQ(a.size(), 0u);
  b.mutable_data()[0] = 'J';  // private mapping: the file keeps its bytes
  EXPECT_EQ(test::read_file(dir.file("f")), "hello");
}

TEST(MappedFile, EmptyFilesDirectoriesAndMissingFiles) {
  test::TempDir dir;
  test::write_file(dir.file("empty"), "");
  EXPECT_EQ(MappedFile(dir.file("empty")).size(), 0u);
  EXPECT_THROW(MappedFile(dir.path()), IoError);
  try {
    MappedFile m(dir.file("missing"));
    FAIL();
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), dir.file("missing") + ": open failed: No such file or directory");
  }
}

}  // namespace
}  // namespace sppo
