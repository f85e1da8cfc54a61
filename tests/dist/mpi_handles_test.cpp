#include "dist/mpi_handles.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sppo {
namespace {

TEST(MpiHandles, CheckMpiNamesWhatFailed) {
  EXPECT_NO_THROW(check_mpi(MPI_SUCCESS, "ok"));
  try {
    check_mpi(MPI_ERR_COMM, "broadcast x");
    FAIL();
  } catch (const DistError& e) {
    EXPECT_NE(std::string(e.what()).find("broadcast x"), std::string::npos) << e.what();
  }
}

TEST(MpiHandles, DuplicateAndSplitOwnTheirCommunicators) {
  int world = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &world);
  MpiComm dup = MpiComm::duplicate(MPI_COMM_WORLD);
  int size = 0, compare = MPI_UNEQUAL;
  MPI_Comm_size(dup.get(), &size);
  EXPECT_EQ(size, world);
  MPI_Comm_compare(dup.get(), MPI_COMM_WORLD, &compare);
  EXPECT_EQ(compare, MPI_CONGRUENT) << "a copy, not the world itself";
  const MpiComm node = MpiComm::split_shared(MPI_COMM_WORLD);
  MPI_Comm_size(node.get(), &size);
  EXPECT_EQ(size, world) << "ctest runs every rank on this one node";
  MpiComm moved = std::move(dup);
  EXPECT_EQ(dup.get(), MPI_COMM_NULL);
  EXPECT_NE(moved.get(), MPI_COMM_NULL);
}

}  // namespace
}  // namespace sppo
