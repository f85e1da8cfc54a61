#pragma once
// defines: sppo::MpiSession (MPI_Init_thread / MPI_Finalize as RAII, the rank's place in the
// job and on its node, the job's RankGroup), abort_job and world_rank_prefix for main's one
// error handler, and threads_per_rank, the pure rule for torch's intra-op threads.
#include <mpi.h>

#include <cstdint>
#include <optional>
#include <string>

#include "dist/rank_group.hpp"

namespace sppo {

class MpiSession {
 public:
  // Initialises MPI asking for MPI_THREAD_MULTIPLE (the work queue's server thread needs
  // it) unless MPI is already initialised. The destructor finalises what it initialised.
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return world_.rank(); }
  int size() const { return world_.size(); }
  int local_rank() const { return local_rank_; }  // among the ranks on this node
  int local_size() const { return local_size_; }
  bool thread_multiple() const { return thread_multiple_; }
  std::string hostname() const;
  // Every rank of the job (a duplicate of MPI_COMM_WORLD).
  const RankGroup& world() const { return world_; }

 private:
  bool initialized_here_ = false;
  bool thread_multiple_ = false;
  RankGroup world_ = RankGroup::serial();
  int local_rank_ = 0;
  int local_size_ = 1;
};

// Ends the process with `exit_code`; while MPI runs with several ranks, every rank of the job
// (MPI_Abort), so that none is left waiting in a collective.
[[noreturn]] void abort_job(int exit_code);

// "[rank r] " while MPI runs with several ranks, else "" (for the one error line).
std::string world_rank_prefix();

// Torch intra-op threads for one rank: `configured` when > 0, else SLURM_CPUS_PER_TASK when
// set, else the node's cores shared evenly among its ranks; at least 1.
int threads_per_rank(int64_t configured, std::optional<int> slurm_cpus_per_task, int cores_on_node,
                     int ranks_on_node);

}  // namespace sppo
