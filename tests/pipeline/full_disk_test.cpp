// A full disk: `sppo run` with run.dir on a small tmpfs (mounted here; needs root) sized so
// that samples.h5 and two checkpoints fit and the third does not. The run must stop with one
// error line naming the checkpoint and the space it needs, keep what it finished (the
// manifest's stages, samples.h5, the two checkpoints), and, once the file system is made
// larger, a rerun must resume from step 2 and end as an uninterrupted run.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>

#include "pipeline/tiny_run.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {
namespace fs = std::filesystem;

// A tmpfs mounted for the test's lifetime.
class Tmpfs {
 public:
  Tmpfs(const std::string& at, uint64_t bytes) : at_(at) {
    fs::create_directories(at);
    mounted_ = mount("tmpfs", at.c_str(), "tmpfs", 0, ("size=" + std::to_string(bytes)).c_str()) == 0;
  }
  ~Tmpfs() {
    if (mounted_) umount2(at_.c_str(), MNT_DETACH);
  }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;
  bool mounted() const { return mounted_; }
  bool resize(uint64_t bytes) {
    return mount("tmpfs", at_.c_str(), "tmpfs", MS_REMOUNT, ("size=" + std::to_string(bytes)).c_str()) == 0;
  }

 private:
  std::string at_;
  bool mounted_ = false;
};

TEST(FullDisk, StopsNamingThePathKeepsWhatWasDoneAndResumesOnALargerDisk) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root (ctest reports the full_disk entry as skipped)";
  test::TempDir reference;
  ASSERT_EQ(test::run_process(test::mpi_sppo(2, {"run", "--config", test::write_config(reference)})).exit_code, 0);
  // Sizes from the uninterrupted run: one checkpoint, and samples.h5.
  const std::string ckpt_dir = reference.file("runs/t/iter-0/ckpt");
  uint64_t checkpoint = 0;
  for (const auto& e : fs::directory_iterator(ckpt_dir)) checkpoint = std::max<uint64_t>(checkpoint, fs::file_size(e.path()));
  const uint64_t samples = fs::file_size(reference.file("runs/t/iter-0/samples.h5"));
  ASSERT_GT(checkpoint, 0u);

  test::TempDir dir;
  // samples.h5 + two checkpoints + the 1 MiB the space check keeps spare, and half a checkpoint
  // more: the third checkpoint cannot fit.
  Tmpfs disk(dir.file("disk"), samples + 2 * checkpoint + (1u << 20) + checkpoint / 2 + (64u << 10));
  ASSERT_TRUE(disk.mounted()) << "mount tmpfs failed";
  const std::string config = test::write_config(dir);
  const std::vector<std::string> on_disk{"run", "--config", config, "--set", "run.dir=" + dir.file("disk/runs")};
  auto r = test::run_process(test::mpi_sppo(2, on_disk));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const std::string root = dir.file("disk/runs/t");
  const auto first = r.err.find("sppo: error: ");
  ASSERT_NE(first, std::string::npos) << r.err;
  EXPECT_NE(r.err.find(root + "/iter-0/ckpt/step-3.h5.partial: needs ", first), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("free on its file system"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("sppo: error: ", first + 1), std::string::npos) << "one line:\n" << r.err;
  for (const char* kept : {"iter-0/ckpt/step-1.h5", "iter-0/ckpt/step-2.h5", "iter-0/samples.h5", "manifest.yaml"})
    EXPECT_TRUE(fs::exists(root + "/" + kept)) << kept;
  const std::string manifest = test::read_file(root + "/manifest.yaml");
  EXPECT_NE(manifest.find("stage: iter-0/annotate"), std::string::npos) << manifest;
  EXPECT_EQ(manifest.find("stage: iter-0/train"), std::string::npos) << manifest;

  ASSERT_TRUE(disk.resize(256u << 20));
  r = test::run_process(test::mpi_sppo(2, on_disk));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("train: resuming from " + root + "/iter-0/ckpt/step-2.h5"), std::string::npos) << r.err;
  test::expect_same_results(root, reference.file("runs/t"));
}

}  // namespace
}  // namespace sppo
