#include "io/safetensors.hpp"

#include <ATen/ATen.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "io/safetensors_index.hpp"

namespace sppo {
namespace {

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

at::ScalarType to_scalar_type(StDType dtype) {
  switch (dtype) {
    case StDType::F64: return at::kDouble;
    case StDType::F32: return at::kFloat;
    case StDType::F16: return at::kHalf;
    case StDType::BF16: return at::kBFloat16;
    case StDType::I64: return at::kLong;
    case StDType::I32: return at::kInt;
    case StDType::I16: return at::kShort;
    case StDType::I8: return at::kChar;
    case StDType::U8: return at::kByte;
    case StDType::BOOL: return at::kBool;
  }
  throw FormatError("unknown safetensors dtype");
}

StDType to_st_dtype(at::ScalarType type) {
  switch (type) {
    case at::kDouble: return StDType::F64;
    case at::kFloat: return StDType::F32;
    case at::kHalf: return StDType::F16;
    case at::kBFloat16: return StDType::BF16;
    case at::kLong: return StDType::I64;
    case at::kInt: return StDType::I32;
    case at::kShort: return StDType::I16;
    case at::kChar: return StDType::I8;
    case at::kByte: return StDType::U8;
    case at::kBool: return StDType::BOOL;
    default: throw FormatError(std::string("safetensors cannot store tensors of type ") + c10::toString(type));
  }
}

SafetensorsFile::SafetensorsFile(const std::string& path)
    : map_(std::make_shared<MappedFile>(path)), header_(parse_safetensors_header(map_->data(), map_->size(), path)) {}

at::Tensor SafetensorsFile::tensor(const TensorEntry& entry) const {
  const auto options = at::TensorOptions().dtype(to_scalar_type(entry.dtype)).device(at::kCPU);
  if (entry.numel() == 0) return at::empty(entry.shape, options);
  uint8_t* bytes = const_cast<MappedFile&>(*map_).mutable_data() + header_.data_offset + entry.begin;
  if (reinterpret_cast<uintptr_t>(bytes) % dtype_size(entry.dtype) != 0) {
    at::Tensor copy = at::empty(entry.shape, options);
    std::memcpy(copy.data_ptr(), bytes, entry.end - entry.begin);
    return copy;
  }
  std::shared_ptr<MappedFile> keep_alive = map_;
  return at::from_blob(bytes, entry.shape, [keep_alive](void*) mutable { keep_alive.reset(); }, options);
}

SafetensorsModel SafetensorsModel::open(const std::string& path) {
  SafetensorsModel model;
  model.path_ = path;
  if (!is_directory(path)) {
    model.files_.emplace_back(path);
  } else {
    const std::string index_path = path + "/model.safetensors.index.json";
    const std::string single_path = path + "/model.safetensors";
    if (is_file(index_path)) {
      std::ifstream in(index_path, std::ios::binary);
      if (!in) throw_io_error(index_path, "open", errno);
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const SafetensorsIndex index = parse_safetensors_index(text, index_path);
      model.metadata_ = index.metadata;
      std::map<std::string, std::size_t> file_numbers;
      const std::map<std::string, std::string>& wanted = index.weight_map;  // tensor -> shard file name
      for (const auto& [name, shard] : wanted) {
        if (!file_numbers.count(shard)) {
          file_numbers[shard] = model.files_.size();
          model.files_.emplace_back(path + "/" + shard);
        }
      }
      for (const auto& [name, shard] : wanted) {
        const SafetensorsFile& f = model.files_[file_numbers[shard]];
        const TensorEntry* e = f.header().find(name);
        if (!e) throw FormatError(index_path + ": tensor " + name + " is mapped to " + shard + ", which lacks it");
        model.index_[name] = {file_numbers[shard], e};
      }
      for (std::size_t i = 0; i < model.files_.size(); ++i)
        for (const auto& t : model.files_[i].header().tensors)
          if (!wanted.count(t.name))
            throw FormatError(model.files_[i].path() + ": tensor " + t.name + " is not listed in " + index_path);
      return model;
    } else if (is_file(single_path)) {
      model.files_.emplace_back(single_path);
    } else {
      throw FormatError(path + ": no model.safetensors or model.safetensors.index.json in this folder");
    }
  }
  const SafetensorsFile& f = model.files_.front();
  model.metadata_ = f.header().metadata;
  for (const auto& t : f.header().tensors) model.index_[t.name] = {0, &t};
  return model;
}

std::vector<std::string> SafetensorsModel::names() const {
  std::vector<std::string> out;
  out.reserve(index_.size());
  for (const auto& [name, loc] : index_) out.push_back(name);
  return out;
}

const TensorEntry& SafetensorsModel::entry(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) throw FormatError(path_ + ": tensor " + name + " is missing");
  return *it->second.entry;
}

const std::string& SafetensorsModel::file_of(const std::string& name) const {
  entry(name);
  return files_[index_.at(name).file].path();
}

at::Tensor SafetensorsModel::tensor(const std::string& name) const {
  const TensorEntry& e = entry(name);
  return files_[index_.at(name).file].tensor(e);
}

}  // namespace sppo
