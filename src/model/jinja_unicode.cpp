#include "model/jinja_unicode.hpp"

#include <algorithm>

#include "model/jinja_unicode_tables.hpp"

namespace sppo::jinja {
namespace {

using tables::CaseRun;
using tables::CaseSpecial;
using tables::CodePointRange;

bool in_ranges(const CodePointRange* ranges, std::size_t size, char32_t c) {
  const CodePointRange* end = ranges + size;
  const CodePointRange* it =
      std::upper_bound(ranges, end, static_cast<uint32_t>(c), [](uint32_t v, const CodePointRange& r) { return v < r.first; });
  return it != ranges && c <= (it - 1)->last;
}

// Appends the mapping of `c` from one of the three case tables (itself when unmapped).
void append_mapped(std::u32string& out, char32_t c, const CaseRun* runs, std::size_t runs_size,
                   const CaseSpecial* specials, std::size_t specials_size) {
  const CaseSpecial* send = specials + specials_size;
  const CaseSpecial* s = std::lower_bound(specials, send, static_cast<uint32_t>(c),
                                          [](const CaseSpecial& e, uint32_t v) { return e.code_point < v; });
  if (s != send && s->code_point == c) {
    for (uint32_t to : s->to)
      if (to != 0) out.push_back(to);
    return;
  }
  const CaseRun* rend = runs + runs_size;
  const CaseRun* r = std::upper_bound(runs, rend, static_cast<uint32_t>(c), [](uint32_t v, const CaseRun& e) { return v < e.first; });
  if (r != runs) {
    --r;
    const uint32_t offset = static_cast<uint32_t>(c) - r->first;
    if (offset % r->stride == 0 && offset / r->stride < r->count) {
      out.push_back(static_cast<char32_t>(static_cast<int64_t>(c) + r->delta));
      return;
    }
  }
  out.push_back(c);
}

constexpr char32_t kCapitalSigma = 0x3A3;

// CPython's handle_capital_sigma: Σ lowers to final ς after a cased letter (skipping
// case-ignorable ones) that no cased letter follows.
char32_t lower_sigma(const std::u32string& text, std::size_t i) {
  std::size_t j = i;
  while (j > 0 && is_case_ignorable(text[j - 1])) --j;
  const bool after_cased = j > 0 && is_cased(text[j - 1]);
  j = i + 1;
  while (j < text.size() && is_case_ignorable(text[j])) ++j;
  const bool before_cased = j < text.size() && is_cased(text[j]);
  return after_cased && !before_cased ? 0x3C2 : 0x3C3;
}

void append_lower(std::u32string& out, const std::u32string& text, std::size_t i) {
  if (text[i] == kCapitalSigma) {
    out.push_back(lower_sigma(text, i));
    return;
  }
  append_mapped(out, text[i], tables::lower_runs, tables::lower_runs_size, tables::lower_specials,
                tables::lower_specials_size);
}

void append_upper(std::u32string& out, char32_t c) {
  append_mapped(out, c, tables::upper_runs, tables::upper_runs_size, tables::upper_specials, tables::upper_specials_size);
}

void append_title(std::u32string& out, char32_t c) {
  append_mapped(out, c, tables::title_runs, tables::title_runs_size, tables::title_specials, tables::title_specials_size);
}

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

char32_t next_code_point(std::string_view text, std::size_t& pos) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(pos);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  int extra = b0 >= 0xF0 ? 3 : b0 >= 0xE0 ? 2 : 1;
  char32_t c = b0 & (0x3F >> extra);
  for (int k = 1; k <= extra && pos + k < text.size(); ++k) c = (c << 6) | (byte(pos + k) & 0x3F);
  pos += static_cast<std::size_t>(extra) + 1;
  return c;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::u32string to_code_points(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) out.push_back(next_code_point(text, pos));
  return out;
}

std::string to_utf8(std::u32string_view code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (char32_t c : code_points) append_utf8(out, c);
  return out;
}

std::size_t code_point_count(std::string_view text) {
  // Every code point has exactly one byte that is not a continuation byte (10xxxxxx).
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_printable(char32_t c) { return !in_ranges(tables::not_printable, tables::not_printable_size, c); }
bool is_cased(char32_t c) { return in_ranges(tables::cased, tables::cased_size, c); }
bool is_case_ignorable(char32_t c) { return in_ranges(tables::case_ignorable, tables::case_ignorable_size, c); }
bool is_lowercase(char32_t c) { return in_ranges(tables::lowercase, tables::lowercase_size, c); }
bool is_uppercase(char32_t c) { return in_ranges(tables::uppercase, tables::uppercase_size, c); }

namespace {

// CPython's unicode_islower_impl / isupper: every cased character has the property, and one exists.
bool all_cased_have(std::string_view text, bool (*property)(char32_t)) {
  bool cased = false;
  for (std::size_t pos = 0; pos < text.size();) {
    const char32_t c = next_code_point(text, pos);
    if (!is_cased(c)) continue;
    if (!property(c)) return false;
    cased = true;
  }
  return cased;
}

}  // namespace

bool is_lower_text(std::string_view text) { return all_cased_have(text, is_lowercase); }
bool is_upper_text(std::string_view text) { return all_cased_have(text, is_uppercase); }

std::string to_lower(std::string_view text) {
  if (is_ascii(text)) {
    std::string out(text);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return out;
  }
  const std::u32string cps = to_code_points(text);
  std::u32string out;
  for (std::size_t i = 0; i < cps.size(); ++i) append_lower(out, cps, i);
  return to_utf8(out);
}

std::string to_upper(std::string_view text) {
  if (is_ascii(text)) {
    std::string out(text);
    for (char& c : out)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return out;
  }
  std::u32string out;
  for (char32_t c : to_code_points(text)) append_upper(out, c);
  return to_utf8(out);
}

std::string to_title(std::string_view text) {
  // CPython's do_title: title-case a character after an uncased one, lower-case it after a cased one.
  const std::u32string cps = to_code_points(text);
  std::u32string out;
  bool previous_is_cased = false;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    if (previous_is_cased)
      append_lower(out, cps, i);
    else
      append_title(out, cps[i]);
    previous_is_cased = is_cased(cps[i]);
  }
  return to_utf8(out);
}

std::string to_capitalized(std::string_view text) {
  const std::u32string cps = to_code_points(text);
  std::u32string out;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    if (i == 0)
      append_title(out, cps[i]);
    else
      append_lower(out, cps, i);
  }
  return to_utf8(out);
}

}  // namespace sppo::jinja
