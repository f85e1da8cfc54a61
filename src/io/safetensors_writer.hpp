#pragma once
// defines: SafetensorsWriter (one file) and SafetensorsFolderWriter (one file, or shards
// model-0000i-of-0000n.safetensors + model.safetensors.index.json when over a size limit),
// which take the tensors' names, dtypes and shapes first and their bytes one tensor at a
// time, so that a caller never holds a whole model; write_safetensors and
// write_safetensors_folder, the same for tensors already in hand.
// Files are written under a temporary name and renamed: a crash never leaves a file that
// looks whole but is not.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/atomic_file.hpp"

namespace sppo {

struct NamedTensor {
  std::string name;
  at::Tensor tensor;  // any device and layout; written as its contiguous CPU bytes
};

// A tensor declared before its bytes are written.
struct DeclaredTensor {
  std::string name;
  at::ScalarType dtype;
  std::vector<int64_t> shape;
  uint64_t bytes() const;
};

// One file: the header (padded with spaces so that the data section starts at a multiple of
// 8 bytes) is written at construction, then each tensor in the declared order.
class SafetensorsWriter {
 public:
  // Throws FormatError for a name given twice or a dtype safetensors lacks, IoError for a
  // path that cannot be created; nothing is written at `path` before commit().
  SafetensorsWriter(const std::string& path, std::vector<DeclaredTensor> entries,
                    const std::map<std::string, std::string>& metadata);
  // The next declared tensor: its name, dtype and shape must be the declared ones.
  void write(const std::string& name, const at::Tensor& tensor);
  void commit();  // after the last tensor: the file appears at `path`
  bool complete() const { return next_ == entries_.size(); }

 private:
  std::string path_;
  std::vector<DeclaredTensor> entries_;
  std::size_t next_ = 0;
  AtomicFile out_;
};

// A Hugging Face model folder: `folder`/model.safetensors, or shards of at most
// `max_shard_bytes` (a tensor larger than that gets a shard of its own) and the index, as
// save_pretrained writes them. Each shard is committed as soon as its last tensor is written.
class SafetensorsFolderWriter {
 public:
  SafetensorsFolderWriter(std::string folder, const std::vector<DeclaredTensor>& entries,
                          std::map<std::string, std::string> metadata = {}, uint64_t max_shard_bytes = 5ull << 30);
  void write(const std::string& name, const at::Tensor& tensor);  // the next declared tensor
  std::vector<std::string> commit();  // after the last tensor: writes the index; the paths written

 private:
  std::string file_name(std::size_t shard) const;  // model.safetensors, or model-0000i-of-0000n
  void open_shard(std::size_t i);
  std::string folder_;
  std::map<std::string, std::string> metadata_;
  std::vector<std::vector<DeclaredTensor>> shards_;
  std::size_t shard_ = 0;
  std::unique_ptr<SafetensorsWriter> current_;
  std::vector<std::string> written_;
};

void write_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Returns the paths written.
std::vector<std::string> write_safetensors_folder(const std::string& folder, const std::vector<NamedTensor>& tensors,
                                                  const std::map<std::string, std::string>& metadata = {},
                                                  uint64_t max_shard_bytes = 5ull << 30);

}  // namespace sppo
