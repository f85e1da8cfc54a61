#include "io/utf8.hpp"

#include <cstdint>

namespace sppo {

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const uint8_t c = s[i];
    std::size_t len;
    uint32_t min_code, code;
    if (c < 0x80) { i += 1; continue; }
    if ((c & 0xE0) == 0xC0) { len = 2; min_code = 0x80; code = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; min_code = 0x800; code = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; min_code = 0x10000; code = c & 0x07; }
    else return i;
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
      code = (code << 6) | (s[i + k] & 0x3F);
    }
    if (code < min_code || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return i;
    i += len;
  }
  return std::nullopt;
}

}  // namespace sppo
