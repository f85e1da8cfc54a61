#pragma once
// defines: UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
#include <cstddef>
#include <optional>
#include <string_view>

namespace sppo {

// Byte offset of the first invalid sequence, or nullopt when `text` is valid UTF-8.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

}  // namespace sppo
