#pragma once
// defines: sppo::RankGroup, the ranks of a job as one group: which rank this process is, and
// the host-side collectives a stage needs (a broadcast of a value or a string, an all-reduce
// of counters, a barrier), every MPI return code checked; and decide_on_rank0, how a verdict
// one rank reached becomes every rank's. A serial group (this process alone, no MPI) answers
// every collective locally and opens HDF5 files with the serial driver.
//
// The tensor collectives are Communicator's (dist/communicator.hpp), built on a group: NCCL
// cannot move host strings, so verdicts and counters travel over the group's MPI
// communicator whichever backend moves the tensors.
#include <mpi.h>

#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "dist/mpi_handles.hpp"

namespace sppo {

enum class HostReduce { sum, max };

class RankGroup {
 public:
  // This process alone.
  static RankGroup serial();
  // The ranks of `comm`, on a duplicate of it (collective over `comm`).
  static RankGroup duplicate(MPI_Comm comm);
  // The ranks sharing this rank's node (MPI_Comm_split_type SHARED; collective).
  RankGroup node_local() const;
  // The ranks of this group that pass the same `color` (>= 0), in this group's order
  // (collective): e.g. the ranks that share one chunk's work.
  RankGroup split(int color) const;
  // Another group over the same ranks with its own communicator (collective): for a helper
  // thread that must not interleave its messages with the caller's.
  RankGroup duplicate() const;

  RankGroup(RankGroup&&) noexcept = default;
  RankGroup& operator=(RankGroup&&) noexcept = default;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_serial() const { return comm_.get() == MPI_COMM_NULL; }
  // The communicator behind the group, for MPI-IO (parallel HDF5) and the dist/ backends;
  // MPI_COMM_NULL for a serial group (HDF5's serial driver).
  MPI_Comm mpi_comm() const { return comm_.get(); }

  void barrier() const;
  // `root`'s `text` on every rank (its length, then its bytes).
  std::string broadcast_string(std::string text, int root = 0) const;
  // `root`'s bytes of a trivially copyable value on every rank.
  template <class T>
  T broadcast(T value, int root = 0) const {
    static_assert(std::is_trivially_copyable_v<T>, "broadcast moves raw bytes");
    broadcast_bytes(&value, sizeof value, root);
    return value;
  }
  // Element-wise over the ranks, in place.
  void all_reduce(std::vector<int64_t>& values, HostReduce op) const;
  void all_reduce(std::vector<double>& values, HostReduce op) const;
  int64_t all_reduce(int64_t value, HostReduce op) const;

 private:
  RankGroup() = default;
  void broadcast_bytes(void* data, std::size_t bytes, int root) const;

  MpiComm comm_;
  int rank_ = 0;
  int size_ = 1;
};

// Rank 0 runs `decide`; every rank returns its answer. When `decide` throws sppo::Error, every
// rank throws CollectiveError with that message (printed once, by rank 0), so that the ranks
// stop together instead of one aborting the job while the others wait in a collective.
bool decide_on_rank0(const RankGroup& group, const std::function<bool()>& decide);

// Every rank throws CollectiveError(`verdict` of rank 0) when rank 0's verdict is not empty.
void raise_rank0_verdict(const RankGroup& group, const std::string& verdict);

}  // namespace sppo
