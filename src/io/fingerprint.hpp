#pragma once
// defines: Fingerprint (64-bit FNV-1a, hex-printed) and fingerprint_model_folder, the
// identity of a model folder recorded in samples.h5 so that a rerun against another model is
// refused rather than mixed in. It is an identity check, not a cryptographic hash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sppo {

class Fingerprint {
 public:
  Fingerprint& add(const void* data, std::size_t bytes);
  Fingerprint& add(std::string_view text) { return add(text.data(), text.size()); }
  Fingerprint& add(int64_t value) { return add(&value, sizeof value); }
  std::string hex() const;  // 16 hex digits
  uint64_t value() const { return state_; }

 private:
  uint64_t state_ = 0xcbf29ce484222325ull;  // FNV-1a 64 offset basis
};

// config.json, every tokenizer file present, and for every safetensors file its size, its
// header and 64 evenly spaced 4 KiB windows of its data (reading a 14 GB model whole would
// take longer than the check is worth; any re-save or fine-tune changes these).
std::string fingerprint_model_folder(const std::string& folder);
uint64_t fingerprint_model_folder_value(const std::string& folder);

}  // namespace sppo
