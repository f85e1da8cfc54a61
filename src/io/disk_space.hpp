#pragma once
// defines: require_free_space, the check made before a file whose size is known in advance
// (samples.h5, allocated whole at creation; a checkpoint) is written: a full disk then stops
// the job with one message naming the path, on every rank together, before a byte is written,
// instead of failing inside a collective HDF5 write where the ranks no longer agree.
#include <mpi.h>

#include <cstdint>
#include <string>

namespace sppo {

// Collective over `comm` (MPI_COMM_NULL: this process alone). Rank 0 asks statvfs about the
// folder of `path`; when fewer than `bytes` plus 1 MiB of slack are available to this user,
// every rank throws CollectiveError "<path>: needs N MiB, M MiB free on its file system".
void require_free_space(MPI_Comm comm, const std::string& path, uint64_t bytes);

// The free bytes of the file system holding `path`'s folder (as an unprivileged user sees them).
uint64_t free_bytes(const std::string& path);

}  // namespace sppo
