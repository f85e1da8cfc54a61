#include "io/run_layout.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(RunLayout, IterationPathsAndPolicies) {
  Config c;
  c.run.dir = "/scratch/runs";
  c.run.name = "exp";
  c.policy.path = "models/base";
  EXPECT_EQ(run_root(c), "/scratch/runs/exp");
  EXPECT_EQ(samples_path(c, 2), "/scratch/runs/exp/iter-2/samples.h5");
  EXPECT_EQ(trained_policy_dir(c, 0), "/scratch/runs/exp/iter-0/policy");
  EXPECT_EQ(policy_for_iteration(c, 0), "models/base");
  EXPECT_EQ(policy_for_iteration(c, 1), "/scratch/runs/exp/iter-0/policy");
}

TEST(RunLayout, MakeDirectoriesCreatesEveryLevelAndNamesFailures) {
  test::TempDir dir;
  make_directories(dir.file("a/b/c"));
  make_directories(dir.file("a/b/c"));  // again: fine
  struct stat st {};
  EXPECT_EQ(::stat(dir.file("a/b/c").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  test::write_file(dir.file("file"), "x");
  EXPECT_THROW(make_directories(dir.file("file/sub")), IoError);
}

}  // namespace
}  // namespace sppo
