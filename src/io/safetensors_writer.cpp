#include "io/safetensors_writer.hpp"

#include <ATen/ATen.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.hpp"
#include "io/safetensors.hpp"

namespace sppo {
namespace {

// `where`: the file, or the folder whose shards hold `entries` between them.
void refuse_duplicate_names(const std::string& where, const std::vector<DeclaredTensor>& entries) {
  std::set<std::string> seen;
  for (const auto& e : entries)
    if (!seen.insert(e.name).second) throw FormatError(where + ": tensor " + e.name + " given twice");
}

std::string header_json(const std::string& path, const std::vector<DeclaredTensor>& entries,
                        const std::map<std::string, std::string>& metadata) {
  refuse_duplicate_names(path, entries);
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& e : entries) {
    header[e.name] = {{"dtype", dtype_name(to_st_dtype(e.dtype))},
                      {"shape", e.shape},
                      {"data_offsets", {offset, offset + e.bytes()}}};
    offset += e.bytes();
  }
  std::string text = header.dump();
  text.append((8 - (8 + text.size()) % 8) % 8, ' ');
  return text;
}

std::string shard_name(std::size_t i, std::size_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", i + 1, n);
  return buf;
}

std::vector<DeclaredTensor> entries_of(const std::vector<NamedTensor>& tensors) {
  std::vector<DeclaredTensor> entries;
  for (const auto& t : tensors) entries.push_back({t.name, t.tensor.scalar_type(), t.tensor.sizes().vec()});
  return entries;
}

std::string describe(at::ScalarType dtype, at::IntArrayRef shape) {
  return std::string(c10::toString(dtype)) + " " + c10::str(shape);
}

}  // namespace

uint64_t DeclaredTensor::bytes() const {
  uint64_t n = c10::elementSize(dtype);
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

SafetensorsWriter::SafetensorsWriter(const std::string& path, std::vector<DeclaredTensor> entries,
                                     const std::map<std::string, std::string>& metadata)
    : path_(path), entries_(std::move(entries)), out_(path) {
  const std::string header = header_json(path, entries_, metadata);
  uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * i));
  out_.write(length, sizeof length);
  out_.write(header.data(), header.size());
}

void SafetensorsWriter::write(const std::string& name, const at::Tensor& tensor) {
  if (complete()) throw Error(path_ + ": tensor " + name + " is more than the " + std::to_string(entries_.size()) + " declared");
  const DeclaredTensor& e = entries_[next_];
  if (name != e.name || tensor.scalar_type() != e.dtype || tensor.sizes() != at::IntArrayRef(e.shape))
    throw Error(path_ + ": expected tensor " + e.name + " (" + describe(e.dtype, e.shape) + ") next, got " + name + " (" +
                describe(tensor.scalar_type(), tensor.sizes()) + ")");
  const at::Tensor cpu = tensor.to(at::kCPU).contiguous();
  out_.write(cpu.data_ptr(), e.bytes());
  ++next_;
}

void SafetensorsWriter::commit() {
  if (!complete())
    throw Error(path_ + ": " + std::to_string(next_) + " of " + std::to_string(entries_.size()) + " tensors written");
  out_.commit();
}

SafetensorsFolderWriter::SafetensorsFolderWriter(std::string folder, const std::vector<DeclaredTensor>& entries,
                                                 std::map<std::string, std::string> metadata, uint64_t max_shard_bytes)
    : folder_(std::move(folder)), metadata_(std::move(metadata)), shards_(1) {
  // Greedy packing in the given order: a new shard starts when the next tensor would overflow.
  uint64_t shard_bytes = 0;
  for (const auto& e : entries) {
    if (shard_bytes > 0 && shard_bytes + e.bytes() > max_shard_bytes) {
      shards_.emplace_back();
      shard_bytes = 0;
    }
    shards_.back().push_back(e);
    shard_bytes += e.bytes();
  }
  if (shards_.size() > 1 && !metadata_.count("format")) metadata_["format"] = "pt";
  refuse_duplicate_names(folder_, entries);  // a name in two shards escapes each file's check
  open_shard(0);
}

std::string SafetensorsFolderWriter::file_name(std::size_t i) const {
  return shards_.size() == 1 ? "model.safetensors" : shard_name(i, shards_.size());
}

void SafetensorsFolderWriter::open_shard(std::size_t i) {
  shard_ = i;
  current_ = std::make_unique<SafetensorsWriter>(folder_ + "/" + file_name(i), shards_[i], metadata_);
  written_.push_back(folder_ + "/" + file_name(i));
}

void SafetensorsFolderWriter::write(const std::string& name, const at::Tensor& tensor) {
  if (!current_) throw Error(folder_ + ": tensor " + name + " is more than the model's declared tensors");
  current_->write(name, tensor);
  if (!current_->complete()) return;
  current_->commit();
  current_.reset();
  if (shard_ + 1 < shards_.size()) open_shard(shard_ + 1);
}

std::vector<std::string> SafetensorsFolderWriter::commit() {
  if (current_) {  // only a model without tensors, or one not written to the end (which throws)
    current_->commit();
    current_.reset();
  }
  if (shards_.size() == 1) return written_;
  nlohmann::ordered_json weight_map = nlohmann::ordered_json::object();
  uint64_t total_bytes = 0;
  for (std::size_t i = 0; i < shards_.size(); ++i)
    for (const auto& e : shards_[i]) {
      weight_map[e.name] = file_name(i);
      total_bytes += e.bytes();
    }
  nlohmann::ordered_json index = {{"metadata", {{"total_size", total_bytes}}}, {"weight_map", weight_map}};
  write_file_atomically(folder_ + "/model.safetensors.index.json", index.dump(2) + "\n");
  written_.push_back(folder_ + "/model.safetensors.index.json");
  return written_;
}

void write_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  SafetensorsWriter out(path, entries_of(tensors), metadata);
  for (const auto& t : tensors) out.write(t.name, t.tensor);
  out.commit();
}

std::vector<std::string> write_safetensors_folder(const std::string& folder, const std::vector<NamedTensor>& tensors,
                                                  const std::map<std::string, std::string>& metadata,
                                                  uint64_t max_shard_bytes) {
  SafetensorsFolderWriter out(folder, entries_of(tensors), metadata, max_shard_bytes);
  for (const auto& t : tensors) out.write(t.name, t.tensor);
  return out.commit();
}

}  // namespace sppo
