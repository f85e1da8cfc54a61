#pragma once
// defines: parse_safetensors_index, the model.safetensors.index.json of a sharded Hugging
// Face model (`weight_map`: tensor name -> shard file name; optional `metadata`), checked
// without touching torch or the file system: every shard must be a plain file name inside the
// model folder (no '/', '.' or '..'), so an index can never make sppo read outside it.
#include <map>
#include <string>
#include <string_view>

namespace sppo {

struct SafetensorsIndex {
  std::map<std::string, std::string> weight_map;  // tensor -> shard file name
  std::map<std::string, std::string> metadata;    // values that are not strings as their JSON text
};

// Throws FormatError "<index_path>: <what>" for anything else.
SafetensorsIndex parse_safetensors_index(std::string_view text, const std::string& index_path);

}  // namespace sppo
