#include "io/disk_space.hpp"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstdio>

#include "core/error.hpp"

namespace sppo {
namespace {

std::string folder_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

std::string mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

}  // namespace

uint64_t free_bytes(const std::string& path) {
  struct statvfs s {};
  if (statvfs(folder_of(path).c_str(), &s) != 0) throw_io_error(folder_of(path), "statvfs", errno);
  return static_cast<uint64_t>(s.f_bavail) * static_cast<uint64_t>(s.f_frsize);
}

void require_free_space(MPI_Comm comm, const std::string& path, uint64_t bytes) {
  int rank = 0;
  if (comm != MPI_COMM_NULL) MPI_Comm_rank(comm, &rank);
  const uint64_t needed = bytes + (uint64_t{1} << 20);
  uint64_t available = 0;
  if (rank == 0) available = free_bytes(path);
  if (comm != MPI_COMM_NULL) MPI_Bcast(&available, 1, MPI_UINT64_T, 0, comm);
  if (available < needed)
    throw CollectiveError(path + ": needs " + mib(needed) + ", " + mib(available) +
                              " free on its file system (disk full or quota): free space or move run.dir, then rerun",
                          rank);
}

}  // namespace sppo
