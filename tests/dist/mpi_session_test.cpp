#include "dist/mpi_session.hpp"

#include <gtest/gtest.h>

namespace sppo {
namespace {

TEST(ThreadsPerRank, ConfiguredThenSlurmThenCoresShared) {
  EXPECT_EQ(threads_per_rank(3, 8, 16, 4), 3);
  EXPECT_EQ(threads_per_rank(0, 8, 16, 4), 8);
  EXPECT_EQ(threads_per_rank(0, std::nullopt, 16, 4), 4);
  EXPECT_EQ(threads_per_rank(0, std::nullopt, 2, 3), 1);  // oversubscribed: at least one
  EXPECT_EQ(threads_per_rank(0, 0, 2, 1), 2);              // SLURM_CPUS_PER_TASK=0 is ignored
}

TEST(MpiSession, KnowsItsPlaceInTheJob) {
  int argc = 0;
  char** argv = nullptr;
  MpiSession session(&argc, &argv);  // MPI is already up: this one neither inits nor finalizes
  int rank = -1, size = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT_EQ(session.rank(), rank);
  EXPECT_EQ(session.size(), size);
  EXPECT_GE(session.local_rank(), 0);
  EXPECT_LT(session.local_rank(), session.local_size());
  EXPECT_TRUE(session.thread_multiple());
  EXPECT_FALSE(session.hostname().empty());
}

}  // namespace
}  // namespace sppo
