#pragma once
// defines: the Unicode tables behind jinja_unicode.cpp, generated from Python's unicodedata by
// scripts/gen_jinja_unicode_tables (jinja_unicode_tables.cpp); sorted by code point.
#include <cstddef>
#include <cstdint>

namespace sppo::jinja::tables {

struct CodePointRange {
  uint32_t first, last;  // inclusive
};

// count mappings cp -> cp + delta for cp = first, first + stride, ... (count of them)
struct CaseRun {
  uint32_t first;
  uint16_t count;
  uint8_t stride;
  int32_t delta;
};

// cp -> up to three code points (0 ends a shorter one), e.g. U+00DF -> "SS"
struct CaseSpecial {
  uint32_t code_point;
  uint32_t to[3];
};

extern const CodePointRange not_printable[];
extern const std::size_t not_printable_size;
extern const CodePointRange cased[];
extern const std::size_t cased_size;
extern const CodePointRange case_ignorable[];
extern const std::size_t case_ignorable_size;
extern const CodePointRange lowercase[];
extern const std::size_t lowercase_size;
extern const CodePointRange uppercase[];
extern const std::size_t uppercase_size;
extern const CaseRun lower_runs[], upper_runs[], title_runs[];
extern const std::size_t lower_runs_size, upper_runs_size, title_runs_size;
extern const CaseSpecial lower_specials[], upper_specials[], title_specials[];
extern const std::size_t lower_specials_size, upper_specials_size, title_specials_size;

}  // namespace sppo::jinja::tables
