#include "io/fingerprint.hpp"

#include <cstdio>

namespace sppo {

Fingerprint& Fingerprint::add(const void* data, std::size_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < bytes; ++i) {
    state_ ^= p[i];
    state_ *= 0x100000001b3ull;  // FNV-1a 64 prime
  }
  return *this;
}

std::string Fingerprint::hex() const {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(state_));
  return buf;
}

}  // namespace sppo
