#pragma once
// defines: fingerprint_model_folder, the identity of a model folder recorded in samples.h5 and
// the manifest, so that a rerun against another model is refused rather than mixed in.
#include <cstdint>
#include <string>

namespace sppo {

// config.json, every tokenizer and prompt-format file present (tokenizer.json/.model,
// tokenizer_config.json with its chat template, generation_config.json, ...), and for every safetensors file its size, its
// header and 64 evenly spaced 4 KiB windows of its data (reading a 14 GB model whole would
// take longer than the check is worth; any re-save or fine-tune changes these).
std::string fingerprint_model_folder(const std::string& folder);
uint64_t fingerprint_model_folder_value(const std::string& folder);

}  // namespace sppo
