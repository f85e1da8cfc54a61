#pragma once
// defines: sppo::SafetensorsFile (one mapped file) and sppo::SafetensorsModel (a file, or a
// Hugging Face folder with model.safetensors or sharded model-*-of-*.safetensors + index.json),
// tensors returned as at::Tensor over the mapping without a copy where alignment allows.
#include <ATen/core/Tensor.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/mapped_file.hpp"
#include "io/safetensors_header.hpp"

namespace sppo {

at::ScalarType to_scalar_type(StDType dtype);
StDType to_st_dtype(at::ScalarType type);  // throws FormatError for types safetensors lacks

class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);  // maps and validates; throws FormatError/IoError

  const std::string& path() const { return map_->path(); }
  const SafetensorsHeader& header() const { return header_; }
  // The tensor's bytes as a CPU tensor sharing the (copy-on-write) mapping, which it keeps
  // alive; copied only when the bytes are not aligned to the element size.
  at::Tensor tensor(const TensorEntry& entry) const;

 private:
  std::shared_ptr<MappedFile> map_;
  SafetensorsHeader header_;
};

class SafetensorsModel {
 public:
  // `path` is a .safetensors file or a folder holding model.safetensors or
  // model.safetensors.index.json and its shards. Every file is validated on open.
  static SafetensorsModel open(const std::string& path);

  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  const TensorEntry& entry(const std::string& name) const;   // throws FormatError naming the model
  const std::string& file_of(const std::string& name) const;  // path of the file that holds it
  at::Tensor tensor(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::vector<SafetensorsFile>& files() const { return files_; }
  const std::string& path() const { return path_; }

 private:
  struct Location {
    std::size_t file;
    const TensorEntry* entry;
  };
  std::string path_;
  std::vector<SafetensorsFile> files_;
  std::map<std::string, Location> index_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace sppo
