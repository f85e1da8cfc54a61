#include "dist/mpi_handles.hpp"

#include "core/error.hpp"

namespace sppo {

void check_mpi(int code, const std::string& what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw DistError(what + ": " + std::string(text, static_cast<std::size_t>(length)));
}

MpiComm MpiComm::duplicate(MPI_Comm comm) {
  MPI_Comm dup = MPI_COMM_NULL;
  check_mpi(MPI_Comm_dup(comm, &dup), "MPI_Comm_dup");
  // Errors come back as codes, turned into exceptions by check_mpi, instead of aborting inside MPI.
  MPI_Comm_set_errhandler(dup, MPI_ERRORS_RETURN);
  return MpiComm(dup);
}

MpiComm::~MpiComm() { release(); }

MpiComm& MpiComm::operator=(MpiComm&& other) noexcept {
  if (this != &other) {
    release();
    comm_ = std::exchange(other.comm_, MPI_COMM_NULL);
  }
  return *this;
}

void MpiComm::release() noexcept {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (comm_ != MPI_COMM_NULL && !finalized) MPI_Comm_free(&comm_);
  comm_ = MPI_COMM_NULL;
}

std::string broadcast_string(MPI_Comm comm, std::string text) {
  if (comm == MPI_COMM_NULL) return text;
  int n = static_cast<int>(text.size());
  check_mpi(MPI_Bcast(&n, 1, MPI_INT, 0, comm), "broadcast a string's length");
  text.resize(static_cast<std::size_t>(n));
  check_mpi(MPI_Bcast(text.data(), n, MPI_CHAR, 0, comm), "broadcast a string");
  return text;
}

}  // namespace sppo
