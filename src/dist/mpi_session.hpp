#pragma once
// defines: sppo::MpiSession (MPI_Init_thread / MPI_Finalize as RAII, the rank's place in the
// job and on its node) and threads_per_rank, the pure rule for torch's intra-op threads.
#include <mpi.h>

#include <cstdint>
#include <optional>
#include <string>

namespace sppo {

class MpiSession {
 public:
  // Initialises MPI asking for MPI_THREAD_MULTIPLE (the work queue's server thread needs
  // it) unless MPI is already initialised. The destructor finalises what it initialised.
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  int local_rank() const { return local_rank_; }  // among the ranks on this node
  int local_size() const { return local_size_; }
  bool thread_multiple() const { return thread_multiple_; }
  std::string hostname() const;

  // Ends every rank of the job now (MPI_Abort); used by main's one error handler.
  [[noreturn]] void abort(int exit_code) const;

 private:
  bool initialized_here_ = false;
  int rank_ = 0;
  int size_ = 1;
  int local_rank_ = 0;
  int local_size_ = 1;
  bool thread_multiple_ = false;
};

// Torch intra-op threads for one rank: `configured` when > 0, else SLURM_CPUS_PER_TASK when
// set, else the node's cores shared evenly among its ranks; at least 1.
int threads_per_rank(int64_t configured, std::optional<int> slurm_cpus_per_task, int cores_on_node,
                     int ranks_on_node);

}  // namespace sppo
