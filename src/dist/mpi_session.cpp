#include "dist/mpi_session.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "core/error.hpp"

namespace sppo {

MpiSession::MpiSession(int* argc, char*** argv) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  int provided = MPI_THREAD_SINGLE;
  if (!initialized) {
    if (MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS)
      throw DistError("MPI_Init_thread failed");
    initialized_here_ = true;
  } else {
    MPI_Query_thread(&provided);
  }
  thread_multiple_ = provided >= MPI_THREAD_MULTIPLE;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &local_rank_);
  MPI_Comm_size(node, &local_size_);
  MPI_Comm_free(&node);
}

MpiSession::~MpiSession() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (initialized_here_ && !finalized) MPI_Finalize();
}

std::string MpiSession::hostname() const {
  char name[MPI_MAX_PROCESSOR_NAME];
  int length = 0;
  MPI_Get_processor_name(name, &length);
  return std::string(name, static_cast<std::size_t>(length));
}

void MpiSession::abort(int exit_code) const {
  if (size_ > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

int threads_per_rank(int64_t configured, std::optional<int> slurm_cpus_per_task, int cores_on_node,
                     int ranks_on_node) {
  if (configured > 0) return static_cast<int>(configured);
  if (slurm_cpus_per_task && *slurm_cpus_per_task > 0) return *slurm_cpus_per_task;
  return std::max(1, cores_on_node / std::max(1, ranks_on_node));
}

}  // namespace sppo
