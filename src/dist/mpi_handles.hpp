#pragma once
// defines: sppo::MpiComm, a move-only owner of a duplicated MPI communicator, check_mpi,
// which turns an MPI error code into a DistError with MPI's own text, and broadcast_string.
#include <mpi.h>

#include <string>
#include <utility>

namespace sppo {

void check_mpi(int code, const std::string& what);

// Rank 0's `text` on every rank of `comm` (its length, then its bytes); with MPI_COMM_NULL,
// `text` itself. How a verdict one rank reached (an error message, "" for none) becomes every
// rank's, so that all stop together or none does.
std::string broadcast_string(MPI_Comm comm, std::string text);

class MpiComm {
 public:
  MpiComm() = default;
  static MpiComm duplicate(MPI_Comm comm);
  ~MpiComm();
  MpiComm(MpiComm&& other) noexcept : comm_(std::exchange(other.comm_, MPI_COMM_NULL)) {}
  MpiComm& operator=(MpiComm&& other) noexcept;
  MpiComm(const MpiComm&) = delete;
  MpiComm& operator=(const MpiComm&) = delete;

  MPI_Comm get() const { return comm_; }

 private:
  explicit MpiComm(MPI_Comm comm) : comm_(comm) {}
  void release() noexcept;
  MPI_Comm comm_ = MPI_COMM_NULL;
};

}  // namespace sppo
