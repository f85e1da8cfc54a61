#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <utility>

#include "core/error.hpp"

namespace sppo {

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), temp_path_(path_ + ".tmp." + std::to_string(::getpid())) {
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw_io_error(temp_path_, "create", errno);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_path_.c_str());
}

void AtomicFile::write(const void* data, std::size_t bytes) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd_, p, bytes);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_io_error(path_, "write", errno);
    }
    p += n;
    bytes -= static_cast<std::size_t>(n);
  }
}

void AtomicFile::commit() {
  if (::fsync(fd_) != 0) throw_io_error(path_, "fsync", errno);
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) throw_io_error(path_, "close", errno);
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) throw_io_error(path_, "rename", errno);
  committed_ = true;
}

void publish_partial(const RankGroup& group, const std::string& partial, const std::string& path) {
  std::string verdict;
  if (group.rank() == 0) {
    try {
      if (std::rename(partial.c_str(), path.c_str()) != 0) throw_io_error(path, "rename", errno);
    } catch (const IoError& e) {
      verdict = e.what();
    }
  }
  if (group.is_serial() && !verdict.empty()) throw IoError(verdict);
  raise_rank0_verdict(group, verdict);  // every rank waits here until the rename is done
}

void write_file_atomically(const std::string& path, const std::string& text) {
  AtomicFile file(path);
  file.write(text.data(), text.size());
  file.commit();
}

}  // namespace sppo
