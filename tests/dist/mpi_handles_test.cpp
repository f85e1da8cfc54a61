#include "dist/mpi_handles.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sppo {
namespace {

TEST(MpiHandles, BroadcastStringGivesEveryRankRankZerosText) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const std::string mine = rank == 0 ? "from rank 0: " + std::string(1000, 'x') : "rank " + std::to_string(rank);
  EXPECT_EQ(broadcast_string(MPI_COMM_WORLD, mine), "from rank 0: " + std::string(1000, 'x'));
  EXPECT_EQ(broadcast_string(MPI_COMM_WORLD, rank == 0 ? "" : "ignored"), "");
  EXPECT_EQ(broadcast_string(MPI_COMM_NULL, "local"), "local");
}

TEST(MpiHandles, CheckMpiNamesWhatFailed) {
  EXPECT_NO_THROW(check_mpi(MPI_SUCCESS, "ok"));
  try {
    check_mpi(MPI_ERR_COMM, "broadcast x");
    FAIL();
  } catch (const DistError& e) {
    EXPECT_NE(std::string(e.what()).find("broadcast x"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sppo
