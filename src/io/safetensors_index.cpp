#include "io/safetensors_index.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace sppo {

SafetensorsIndex parse_safetensors_index(std::string_view text, const std::string& index_path) {
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(index_path + ": not valid JSON: " + e.what());
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
    throw FormatError(index_path + ": missing object field weight_map");
  SafetensorsIndex out;
  if (index.contains("metadata") && index["metadata"].is_object())
    for (const auto& [k, v] : index["metadata"].items()) out.metadata[k] = v.is_string() ? v.get<std::string>() : v.dump();
  for (const auto& [name, file] : index["weight_map"].items()) {
    if (!file.is_string()) throw FormatError(index_path + ": weight_map." + name + " must be a file name");
    const std::string shard = file.get<std::string>();
    if (shard.empty() || shard.find('/') != std::string::npos || shard == "." || shard == ".." ||
        shard.find('\0') != std::string::npos)
      throw FormatError(index_path + ": weight_map names file \"" + shard + "\", which is not a file name in the folder");
    out.weight_map[name] = shard;
  }
  return out;
}

}  // namespace sppo
