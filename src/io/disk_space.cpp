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

void require_free_space(const RankGroup& group, const std::string& path, uint64_t bytes, const FreeBytesProbe& probe) {
  const uint64_t needed = bytes + (uint64_t{1} << 20);
  const uint64_t available = group.broadcast<uint64_t>(group.rank() == 0 ? probe(path) : 0);
  if (available < needed)
    throw CollectiveError(path + ": needs " + mib(needed) + ", " + mib(available) +
                              " free on its file system (disk full or quota): free space or move run.dir, then rerun",
                          group.rank());
}

}  // namespace sppo
