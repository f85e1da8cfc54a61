#pragma once
// defines: inspect_path, the text of `sppo inspect PATH`: every tensor of a safetensors file
// or model folder, every dataset and root attribute of an HDF5 file, or a summary of a
// prompt set in JSONL (read with the config's data.prompt_field and data.id_field).
#include <string>

#include "core/config.hpp"

namespace sppo {

// Throws FormatError when PATH is none of these, or is malformed.
std::string inspect_path(const std::string& path, const Config& config = Config{});

}  // namespace sppo
