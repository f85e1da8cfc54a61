#include "dist/mpi_session.hpp"

#include <algorithm>
#include <cstdlib>

#include "core/error.hpp"

namespace sppo {
namespace {

// MPI is up and not yet finalized: the world can be asked.
bool mpi_running() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

int world_size() {
  int size = 1;
  if (mpi_running()) MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

}  // namespace

MpiSession::MpiSession(int* argc, char*** argv) {
  int initialized = 0;
  check_mpi(MPI_Initialized(&initialized), "MPI_Initialized");
  int provided = MPI_THREAD_SINGLE;
  if (!initialized) {
    check_mpi(MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided), "MPI_Init_thread");
    initialized_here_ = true;
  } else {
    check_mpi(MPI_Query_thread(&provided), "MPI_Query_thread");
  }
  thread_multiple_ = provided >= MPI_THREAD_MULTIPLE;
  world_ = RankGroup::duplicate(MPI_COMM_WORLD);
  const RankGroup node = world_.node_local();
  local_rank_ = node.rank();
  local_size_ = node.size();
}

MpiSession::~MpiSession() {
  world_ = RankGroup::serial();  // its communicator is freed before MPI_Finalize
  if (initialized_here_ && mpi_running()) MPI_Finalize();
}

std::string MpiSession::hostname() const {
  char name[MPI_MAX_PROCESSOR_NAME];
  int length = 0;
  MPI_Get_processor_name(name, &length);
  return std::string(name, static_cast<std::size_t>(length));
}

void abort_job(int exit_code) {
  if (world_size() > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::exit(exit_code);
}

std::string world_rank_prefix() {
  if (world_size() <= 1) return "";
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return "[rank " + std::to_string(rank) + "] ";
}

int threads_per_rank(int64_t configured, std::optional<int> slurm_cpus_per_task, int cores_on_node,
                     int ranks_on_node) {
  if (configured > 0) return static_cast<int>(configured);
  if (slurm_cpus_per_task && *slurm_cpus_per_task > 0) return *slurm_cpus_per_task;
  return std::max(1, cores_on_node / std::max(1, ranks_on_node));
}

}  // namespace sppo
