#pragma once
// defines: Fingerprint (64-bit FNV-1a, hex-printed), the identity checks sppo records (a model
// folder's, a prompt set's, a dataset's) so that a rerun against other inputs is refused rather
// than mixed in. It is an identity check, not a cryptographic hash.
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

}  // namespace sppo
