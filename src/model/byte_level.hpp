#pragma once
// defines: the byte-level alphabet of GPT-2-style BPE (bytes_to_unicode in openai/gpt-2's
// encoder.py, also Hugging Face's ByteLevel pre-tokenizer and decoder): each of the 256 bytes
// is shown as one printable code point, so that a byte string becomes a text without spaces or
// control characters; and UTF-8 decoding that replaces invalid bytes the way Rust's
// String::from_utf8_lossy does.
#include <cstdint>
#include <string>
#include <string_view>

namespace sppo {

// The code point standing for byte `b`: printable Latin-1 bytes stand for themselves, the
// other 68 take U+0100.. in byte order (0x00 -> U+0100 'Ā', 0x20 -> U+0120 'Ġ', 0x0A -> 'Ċ').
char32_t byte_level_char(uint8_t b);

// Appends the byte-level spelling of `bytes` (UTF-8, 1 or 2 bytes per input byte) to `out`.
void append_byte_level(std::string_view bytes, std::string& out);

// Appends the bytes that `mapped` spells to `out` and returns true; returns false (and appends
// nothing) when `mapped` holds a character outside the alphabet (e.g. an added token's text).
bool append_bytes_of_byte_level(std::string_view mapped, std::string& out);

// Appends `bytes` to `out` as valid UTF-8: each maximal invalid subpart (Unicode §3.9, as
// Rust's from_utf8_lossy and the WHATWG decoder) becomes one U+FFFD.
void append_utf8_lossy(std::string_view bytes, std::string& out);

// Appends code point `c` as UTF-8.
void append_utf8(char32_t c, std::string& out);

}  // namespace sppo
