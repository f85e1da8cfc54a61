#include "io/disk_space.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(DiskSpace, AFullDiskStopsWithTheFileAndTheSpaceItNeeds) {
  const RankGroup group = RankGroup::serial();
  std::string asked;
  const FreeBytesProbe full = [&](const std::string& path) {
    asked = path;
    return uint64_t{3} << 20;  // 3 MiB free
  };
  try {
    require_free_space(group, "runs/t/iter-0/samples.h5.partial", uint64_t{10} << 20, full);
    FAIL() << "a full disk was accepted";
  } catch (const CollectiveError& e) {
    EXPECT_EQ(std::string(e.what()), "runs/t/iter-0/samples.h5.partial: needs 11.0 MiB, 3.0 MiB free on its file system "
                                     "(disk full or quota): free space or move run.dir, then rerun");
  }
  EXPECT_EQ(asked, "runs/t/iter-0/samples.h5.partial");
  // 1 MiB of slack beyond the file itself.
  EXPECT_NO_THROW(require_free_space(group, "x", uint64_t{2} << 20, full));
  EXPECT_THROW(require_free_space(group, "x", (uint64_t{2} << 20) + 1, full), CollectiveError);
}

TEST(DiskSpace, FreeBytesOfARealFolderAndAMissingOne) {
  test::TempDir dir;
  EXPECT_GT(free_bytes(dir.file("f.h5")), uint64_t{0});
  EXPECT_THROW(free_bytes(dir.file("missing/f.h5")), IoError);
  EXPECT_NO_THROW(require_free_space(RankGroup::serial(), dir.file("f.h5"), 1));
}

}  // namespace
}  // namespace sppo
