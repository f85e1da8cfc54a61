#include "io/safetensors_writer.hpp"

#include <ATen/ATen.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/safetensors.hpp"

namespace sppo {
namespace {

std::string header_json(const std::vector<NamedTensor>& tensors, const std::vector<at::Tensor>& cpu,
                        const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const uint64_t bytes = cpu[i].numel() * cpu[i].element_size();
    header[tensors[i].name] = {{"dtype", dtype_name(to_st_dtype(cpu[i].scalar_type()))},
                               {"shape", cpu[i].sizes().vec()},
                               {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
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

}  // namespace

void write_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::set<std::string> seen;
  std::vector<at::Tensor> cpu;
  cpu.reserve(tensors.size());
  for (const auto& t : tensors) {
    if (!seen.insert(t.name).second) throw FormatError(path + ": tensor " + t.name + " given twice");
    cpu.push_back(t.tensor.to(at::kCPU).contiguous());
  }
  const std::string header = header_json(tensors, cpu, metadata);
  AtomicFile out(path);
  uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * i));
  out.write(length, sizeof length);
  out.write(header.data(), header.size());
  for (const auto& t : cpu) out.write(t.data_ptr(), t.numel() * t.element_size());
  out.commit();
}

std::vector<std::string> write_safetensors_folder(const std::string& folder, const std::vector<NamedTensor>& tensors,
                                                  const std::map<std::string, std::string>& metadata,
                                                  uint64_t max_shard_bytes) {
  // Greedy packing in the given order: a new shard starts when the next tensor would overflow.
  std::vector<std::vector<NamedTensor>> shards(1);
  uint64_t shard_bytes = 0, total_bytes = 0;
  for (const auto& t : tensors) {
    const uint64_t bytes = t.tensor.numel() * t.tensor.element_size();
    if (shard_bytes > 0 && shard_bytes + bytes > max_shard_bytes) {
      shards.emplace_back();
      shard_bytes = 0;
    }
    shards.back().push_back(t);
    shard_bytes += bytes;
    total_bytes += bytes;
  }
  if (shards.size() == 1) {
    write_safetensors(folder + "/model.safetensors", tensors, metadata);
    return {folder + "/model.safetensors"};
  }
  std::vector<std::string> written;
  nlohmann::ordered_json weight_map = nlohmann::ordered_json::object();
  std::map<std::string, std::string> shard_metadata = metadata;
  if (!shard_metadata.count("format")) shard_metadata["format"] = "pt";
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const std::string name = shard_name(i, shards.size());
    write_safetensors(folder + "/" + name, shards[i], shard_metadata);
    written.push_back(folder + "/" + name);
    for (const auto& t : shards[i]) weight_map[t.name] = name;
  }
  nlohmann::ordered_json index = {{"metadata", {{"total_size", total_bytes}}}, {"weight_map", weight_map}};
  write_file_atomically(folder + "/model.safetensors.index.json", index.dump(2) + "\n");
  written.push_back(folder + "/model.safetensors.index.json");
  return written;
}

}  // namespace sppo
