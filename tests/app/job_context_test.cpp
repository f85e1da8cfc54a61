#include "app/job_context.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sppo {
namespace {

// The helper thread of the prefetch needs MPI_THREAD_MULTIPLE and, under auto, a core of its
// own (it spins while waiting in MPI).
TEST(JobContext, PrefetchWhenMpiAllowsItAndAutoWhenTheRankHasASecondCore) {
  EXPECT_TRUE(use_prefetch(Prefetch::on, true, 1));
  EXPECT_FALSE(use_prefetch(Prefetch::on, false, 8)) << "no thread support: never";
  EXPECT_FALSE(use_prefetch(Prefetch::off, true, 8));
  EXPECT_TRUE(use_prefetch(Prefetch::automatic, true, 2));
  EXPECT_FALSE(use_prefetch(Prefetch::automatic, true, 1));
}

TEST(JobContext, FreedMemoryIsKeptWhenSetOrWhenTrainingDoesNotCheckpoint) {
  Config c;
  EXPECT_FALSE(keeps_freed_memory(c)) << "auto with the default activation_checkpointing: on";
  c.train.activation_checkpointing = ActivationCheckpointing::off;
  EXPECT_TRUE(keeps_freed_memory(c));
  c.dist.freed_memory = FreedMemory::release;
  EXPECT_FALSE(keeps_freed_memory(c));
  c.dist.freed_memory = FreedMemory::keep;
  c.train.activation_checkpointing = ActivationCheckpointing::on;
  EXPECT_TRUE(keeps_freed_memory(c));
}

TEST(JobContext, IntegerFlagsAreCheckedNamingTheFlag) {
  CommandLine cl;
  cl.command = "train";
  cl.flags["max-steps"] = "12";
  EXPECT_EQ(JobContext::int_flag(cl, "max-steps").value(), 12);
  EXPECT_FALSE(JobContext::int_flag(cl, "iteration").has_value());
  cl.flags["iteration"] = "two";
  try {
    JobContext::int_flag(cl, "iteration");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "sppo train: --iteration two: expected a non-negative integer");
  }
}

}  // namespace
}  // namespace sppo
