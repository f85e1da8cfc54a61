#pragma once
// defines: the Unicode text operations of Python's str that chat templates reach: UTF-8 <-> code
// points, str.isspace()/isprintable(), and the full case mappings of lower()/upper()/title()/
// capitalize() (final sigma included). Strings are valid UTF-8 (checked where text enters).
#include <cstddef>
#include <string>
#include <string_view>

namespace sppo::jinja {

// The code point starting at byte `pos` of valid UTF-8 `text`; advances `pos` past it.
char32_t next_code_point(std::string_view text, std::size_t& pos);
void append_utf8(std::string& out, char32_t code_point);
std::u32string to_code_points(std::string_view text);
std::string to_utf8(std::u32string_view code_points);
// len() of the Python string: the number of code points.
std::size_t code_point_count(std::string_view text);

bool is_space(char32_t c);      // str.isspace(): also what jinja2's \s and strip() remove
bool is_printable(char32_t c);  // str.isprintable(): what repr() keeps unescaped
bool is_cased(char32_t c);
bool is_case_ignorable(char32_t c);
bool is_lowercase(char32_t c);  // the Lowercase property (str.islower() of one character)
bool is_uppercase(char32_t c);

// str.islower() / str.isupper(): at least one cased character, and all of them lower / upper.
bool is_lower_text(std::string_view text);
bool is_upper_text(std::string_view text);

std::string to_lower(std::string_view text);       // str.lower()
std::string to_upper(std::string_view text);       // str.upper()
std::string to_title(std::string_view text);       // str.title()
std::string to_capitalized(std::string_view text); // str.capitalize()

}  // namespace sppo::jinja
