#include "model/byte_level.hpp"

#include <array>

namespace sppo {
namespace {

struct ByteLevelTables {
  std::array<char32_t, 256> char_of_byte{};
  std::array<std::array<char, 2>, 256> utf8_of_byte{};
  std::array<uint8_t, 256> utf8_len{};
  std::array<int16_t, 324> byte_of_char{};  // code points < U+0144; -1: not in the alphabet

  ByteLevelTables() {
    // bs = printable ranges '!'..'~', '¡'..'¬', '®'..'ÿ' map to themselves; every other byte b,
    // in increasing order, maps to 256 + n (n = 0, 1, ...).
    auto printable = [](int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); };
    int n = 0;
    for (int b = 0; b < 256; ++b) char_of_byte[b] = printable(b) ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
    byte_of_char.fill(-1);
    for (int b = 0; b < 256; ++b) {
      const char32_t c = char_of_byte[b];
      byte_of_char[c] = static_cast<int16_t>(b);
      std::string s;
      append_utf8(c, s);
      utf8_len[b] = static_cast<uint8_t>(s.size());
      utf8_of_byte[b][0] = s[0];
      utf8_of_byte[b][1] = s.size() > 1 ? s[1] : 0;
    }
  }
};

const ByteLevelTables& tables() {
  static const ByteLevelTables t;
  return t;
}

}  // namespace

void append_utf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

char32_t byte_level_char(uint8_t b) { return tables().char_of_byte[b]; }

void append_byte_level(std::string_view bytes, std::string& out) {
  const ByteLevelTables& t = tables();
  for (const char ch : bytes) {
    const auto b = static_cast<uint8_t>(ch);
    out += t.utf8_of_byte[b][0];
    if (t.utf8_len[b] == 2) out += t.utf8_of_byte[b][1];
  }
}

bool append_bytes_of_byte_level(std::string_view mapped, std::string& out) {
  const ByteLevelTables& t = tables();
  const std::size_t start = out.size();
  std::size_t i = 0;
  while (i < mapped.size()) {
    const auto b0 = static_cast<unsigned char>(mapped[i]);
    char32_t c;
    if (b0 < 0x80) {
      c = b0;
      i += 1;
    } else if ((b0 & 0xE0) == 0xC0 && i + 1 < mapped.size()) {
      c = (static_cast<char32_t>(b0 & 0x1F) << 6) | (static_cast<unsigned char>(mapped[i + 1]) & 0x3F);
      i += 2;
    } else {
      out.resize(start);  // three- and four-byte characters are never in the alphabet
      return false;
    }
    if (c >= t.byte_of_char.size() || t.byte_of_char[c] < 0) {
      out.resize(start);
      return false;
    }
    out += static_cast<char>(t.byte_of_char[c]);
  }
  return true;
}

void append_utf8_lossy(std::string_view bytes, std::string& out) {
  const std::size_t n = bytes.size();
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  std::size_t i = 0;
  while (i < n) {
    const unsigned char b0 = at(i);
    if (b0 < 0x80) {
      out += static_cast<char>(b0);
      ++i;
      continue;
    }
    // Length and the allowed range of the second byte (Table 3-7 of the Unicode standard).
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) len = 2;
    else if (b0 == 0xE0) len = 3, lo = 0xA0;
    else if (b0 >= 0xE1 && b0 <= 0xEC) len = 3;
    else if (b0 == 0xED) len = 3, hi = 0x9F;
    else if (b0 >= 0xEE && b0 <= 0xEF) len = 3;
    else if (b0 == 0xF0) len = 4, lo = 0x90;
    else if (b0 >= 0xF1 && b0 <= 0xF3) len = 4;
    else if (b0 == 0xF4) len = 4, hi = 0x8F;
    if (len == 0) {  // not a lead byte: a subpart of its own
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    std::size_t good = 1;  // bytes of a valid prefix so far
    while (good < len && i + good < n) {
      const unsigned char b = at(i + good);
      const bool ok = good == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
      if (!ok) break;
      ++good;
    }
    if (good == len) {
      out.append(bytes.substr(i, len));
    } else {
      out += "\xEF\xBF\xBD";
    }
    i += good;
  }
}

}  // namespace sppo
