#pragma once
// defines: require_free_space, the check made before a file whose size is known in advance
// (samples.h5, allocated whole at creation; a checkpoint) is written: a full disk then stops
// the job with one message naming the path, on every rank together, before a byte is written,
// instead of failing inside a collective HDF5 write where the ranks no longer agree.
#include <cstdint>
#include <functional>
#include <string>

#include "dist/rank_group.hpp"

namespace sppo {

// The free bytes of the file system holding `path`'s folder, as an unprivileged user sees
// them (statvfs f_bavail). Throws IoError naming the folder.
uint64_t free_bytes(const std::string& path);

using FreeBytesProbe = std::function<uint64_t(const std::string& path)>;

// Collective over `group`. Rank 0 asks `probe` about `path`; when fewer than `bytes` plus
// 1 MiB of slack are available, every rank throws CollectiveError
// "<path>: needs N MiB, M MiB free on its file system (disk full or quota): ...".
void require_free_space(const RankGroup& group, const std::string& path, uint64_t bytes,
                        const FreeBytesProbe& probe = free_bytes);

}  // namespace sppo
