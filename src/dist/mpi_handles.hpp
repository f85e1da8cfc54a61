#pragma once
// defines: sppo::MpiComm, a move-only owner of an MPI communicator this process made
// (duplicated or split), and check_mpi, which turns an MPI error code into a DistError with
// MPI's own text.
#include <mpi.h>

#include <string>
#include <utility>

namespace sppo {

void check_mpi(int code, const std::string& what);

class MpiComm {
 public:
  MpiComm() = default;  // MPI_COMM_NULL
  // Collective over `comm`. Errors on the copy come back as codes (check_mpi), not aborts.
  static MpiComm duplicate(MPI_Comm comm);
  // The ranks of `comm` that share this rank's node (MPI_COMM_TYPE_SHARED). Collective.
  static MpiComm split_shared(MPI_Comm comm);
  // MPI_Comm_split of `comm` by `color`, ranks ordered as in `comm` (collective).
  static MpiComm split(MPI_Comm comm, int color);
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
