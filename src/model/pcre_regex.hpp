#pragma once
// defines: sppo::PcreRegex, a compiled PCRE2 pattern (UTF, UCP, JIT) and the match loop that
// tokenizer splits use; translate_oniguruma, which rewrites the regex dialect of Hugging Face
// tokenizer.json files (Oniguruma, Ruby syntax) into PCRE2 where the two differ; and the two
// character classes the added-token matcher needs, as HF's Rust `regex` crate defines them.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sppo {

// Oniguruma (Ruby syntax, UTF-8) -> PCRE2 (UTF + UCP + MULTILINE). What differs:
//   \s \S   Oniguruma: White_Space property; PCRE2's UCP \s also takes U+180E -> \p{White_Space}
//   \w \W   Oniguruma: Letter, Mark, Decimal_Number, Connector_Punctuation; PCRE2's UCP \w is
//           \p{L}\p{N}_ -> spelled out
//   \h \H   Oniguruma: a hex digit; PCRE2: horizontal space -> [0-9a-fA-F]
//   \uHHHH  -> \x{HHHH};  {,n} -> {0,n};  (?m) (Ruby: dot matches newline) -> (?s)
//   ^ $     always line anchors in Ruby: the pattern is compiled with PCRE2_MULTILINE.
// Refused (FormatError "<context>: ... not supported"): \W and \H inside [...] (a complement
// inside a class has no PCRE2 spelling), and Oniguruma's nested classes and && intersections.
std::string translate_oniguruma(const std::string& pattern, const std::string& context);

class PcreRegex {
 public:
  // Compiles a PCRE2 pattern. Throws FormatError "<context>: <PCRE2's message> at offset N".
  static PcreRegex compile_pcre2(const std::string& pattern, const std::string& context);
  // translate_oniguruma, then compile_pcre2.
  static PcreRegex compile_oniguruma(const std::string& pattern, const std::string& context);

  // Every match in `text` (valid UTF-8) as byte ranges [begin, end), in the order of the onig
  // crate's find_iter: an empty match right where the previous match ended is skipped.
  void find_all(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>>& matches) const;

  // `text` with every match replaced by `replacement` (taken literally).
  std::string replace_all(std::string_view text, std::string_view replacement) const;

  const std::string& pattern() const;  // as compiled (after translation)

 private:
  struct Code;
  explicit PcreRegex(std::shared_ptr<const Code> code) : code_(std::move(code)) {}
  std::shared_ptr<const Code> code_;  // shared by copies: compiled code is read-only when matching
};

// The code point at text[pos] (valid UTF-8) and its length in bytes.
std::pair<char32_t, std::size_t> decode_utf8_at(std::string_view text, std::size_t pos);
// Unicode White_Space (Rust's char::is_whitespace, regex crate \s).
bool is_white_space(char32_t c);
// The regex crate's \w: Alphabetic, Mark, Decimal_Number, Connector_Punctuation, Join_Control.
bool is_word_char(char32_t c);

}  // namespace sppo
