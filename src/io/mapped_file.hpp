#pragma once
// defines: sppo::MappedFile, a move-only read-only view of a whole file through mmap.
#include <cstddef>
#include <cstdint>
#include <string>

namespace sppo {

class MappedFile {
 public:
  // Maps `path` copy-on-write: pages can be written by whoever holds a tensor over them,
  // but nothing ever reaches the file. Throws IoError naming the path.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return static_cast<const uint8_t*>(data_); }
  uint8_t* mutable_data() { return static_cast<uint8_t*>(data_); }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  void release() noexcept;

  std::string path_;
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace sppo
