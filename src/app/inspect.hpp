#pragma once
// defines: inspect_path, the text of `sppo inspect PATH`: every tensor of a safetensors file
// or model folder, or every dataset and root attribute of an HDF5 file.
#include <string>

namespace sppo {

// Throws FormatError when PATH is neither, or is malformed.
std::string inspect_path(const std::string& path);

}  // namespace sppo
