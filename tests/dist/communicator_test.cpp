// Runs under mpiexec -n 1, 2 and 3: the backend dist.backend names on a device, and the
// argument checks every backend shares.
#include "dist/communicator.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <functional>

#include "core/error.hpp"

namespace sppo {
namespace {

TEST(Communicator, CollectiveArgumentsAreCheckedWithExpectedAndGot) {
  const at::Tensor a = at::zeros({4}), b = at::zeros({4});
  EXPECT_NO_THROW(check_collective_args("all_gather", a, b, 4, 4));
  auto message = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const DistError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(message([&] { check_collective_args("all_gather", a, b, 3, 4); }),
            "all_gather: expected an input of 3 elements, got 4");
  EXPECT_EQ(message([&] { check_collective_args("reduce_scatter", a, at::zeros({4}, at::kDouble), 4, 4); }),
            "reduce_scatter: expected equal dtypes, got Float and Double");
  EXPECT_EQ(message([&] { check_collective_args("all_reduce", at::zeros({2, 2}).t(), a, 4, 4); }),
            "all_reduce: expected contiguous tensors");
}

TEST(CommunicatorFactory, AutoIsMpiOnTheCpuAndNcclOnACpuIsRefusedNamingTheKey) {
  const RankGroup world = RankGroup::duplicate(MPI_COMM_WORLD);
  const c10::Device cpu(c10::kCPU);
  auto comm = make_communicator(Backend::mpi, cpu, world);
  EXPECT_EQ(comm->backend(), "mpi");
  EXPECT_EQ(comm->size(), world.size());
  EXPECT_EQ(comm->group().rank(), world.rank());
  auto automatic = make_communicator(Backend::automatic, cpu, world);
  EXPECT_EQ(automatic->backend(), "mpi");
  try {
    make_communicator(Backend::nccl, cpu, world);
    ADD_FAILURE() << "nccl on the CPU was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("dist.backend = nccl: ", 0), 0u) << e.what();
  }
}

TEST(CommunicatorFactory, MpiOnAGpuIsRefusedNamingTheKey) {
  const RankGroup world = RankGroup::duplicate(MPI_COMM_WORLD);
  try {
    make_communicator(Backend::mpi, c10::Device(c10::kCUDA, 0), world);
    ADD_FAILURE() << "mpi on a CUDA device was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("dist.backend = mpi: ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace sppo
