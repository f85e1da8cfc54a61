#pragma once
// defines: write_safetensors (one file) and write_safetensors_folder (one file, or shards
// model-0000i-of-0000n.safetensors + model.safetensors.index.json when over a size limit).
// Files are written under a temporary name and renamed: a crash never leaves a file that
// looks whole but is not.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sppo {

struct NamedTensor {
  std::string name;
  at::Tensor tensor;  // any device and layout; written as its contiguous CPU bytes
};

// Header JSON padded with spaces so that the data section starts at a multiple of 8 bytes.
void write_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Writes `folder`/model.safetensors, or shards of at most `max_shard_bytes` (a tensor larger
// than that gets a shard of its own) and the index, as Hugging Face's save_pretrained does.
// Returns the paths written.
std::vector<std::string> write_safetensors_folder(const std::string& folder, const std::vector<NamedTensor>& tensors,
                                                  const std::map<std::string, std::string>& metadata = {},
                                                  uint64_t max_shard_bytes = 5ull << 30);

}  // namespace sppo
