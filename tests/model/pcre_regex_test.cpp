#include "model/pcre_regex.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sppo {
namespace {

using Ranges = std::vector<std::pair<std::size_t, std::size_t>>;

Ranges matches(const PcreRegex& re, std::string_view text) {
  Ranges out;
  re.find_all(text, out);
  return out;
}

std::vector<std::string> pieces(const PcreRegex& re, std::string_view text) {
  std::vector<std::string> out;
  for (const auto& [b, e] : matches(re, text)) out.emplace_back(text.substr(b, e - b));
  return out;
}

std::string error_of(const std::string& pattern) {
  try {
    PcreRegex::compile_oniguruma(pattern, "tokenizer.json: pre_tokenizer.pattern.Regex");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PcreRegex, TranslatesWhatOnigurumaSpellsDifferently) {
  EXPECT_EQ(translate_oniguruma(R"(\s+(?!\S))", "x"), R"(\p{White_Space}+(?!\P{White_Space}))");
  EXPECT_EQ(translate_oniguruma(R"([^\s\p{L}\p{N}]+)", "x"), R"([^\p{White_Space}\p{L}\p{N}]+)");
  EXPECT_EQ(translate_oniguruma(R"(\w+|[\w-])", "x"), R"([\p{L}\p{M}\p{Nd}\p{Pc}]+|[\p{L}\p{M}\p{Nd}\p{Pc}-])");
  EXPECT_EQ(translate_oniguruma(R"(\W)", "x"), R"([^\p{L}\p{M}\p{Nd}\p{Pc}])");
  EXPECT_EQ(translate_oniguruma(R"(\h+[\h_])", "x"), R"([0-9a-fA-F]+[0-9a-fA-F_])");
  EXPECT_EQ(translate_oniguruma(R"(\u00e9\u4E00x)", "x"), R"(\x{00e9}\x{4E00}x)");
  EXPECT_EQ(translate_oniguruma(R"(a{,3}b{2,}c{,})", "x"), R"(a{0,3}b{2,}c{,})");
  EXPECT_EQ(translate_oniguruma(R"((?m:.)(?im)(?i:'s))", "x"), R"((?s:.)(?is)(?i:'s))");
  EXPECT_EQ(translate_oniguruma(R"(\p{N}{1,3}\x{41}[[:alpha:]\]])", "x"), R"(\p{N}{1,3}\x{41}[[:alpha:]\]])");
  EXPECT_EQ(translate_oniguruma(R"([]s])", "x"), R"([]s])");  // a leading ']' is literal, 's' too
}

TEST(PcreRegex, RefusesWhatPcre2CannotSay) {
  EXPECT_EQ(error_of(R"([^\W\d])"),
            "tokenizer.json: pre_tokenizer.pattern.Regex: \\W inside [...] (at offset 2) not supported");
  EXPECT_EQ(error_of(R"([a-z&&[^aeiou]])"),
            "tokenizer.json: pre_tokenizer.pattern.Regex: the class intersection && (at offset 4) not supported");
  EXPECT_EQ(error_of(R"(x(?<n>a)[b)"),
            "tokenizer.json: pre_tokenizer.pattern.Regex: missing terminating ] for character class at offset 10 of "
            "\"x(?<n>a)[b\"");
  EXPECT_EQ(error_of(R"(a)(b)"),
            "tokenizer.json: pre_tokenizer.pattern.Regex: unmatched closing parenthesis at offset 1 of \"a)(b\"");
}

// Hugging Face's \s (Oniguruma, and Python's regex module) is Unicode White_Space: it takes
// U+0085 and not U+FEFF (JavaScript's \s does the opposite) nor U+180E (PCRE2's own \s does).
TEST(PcreRegex, WhiteSpaceIsTheUnicodeProperty) {
  const PcreRegex re = PcreRegex::compile_oniguruma(R"(\s)", "t");
  EXPECT_EQ(matches(re, "\xC2\x85").size(), 1u);          // U+0085 NEL
  EXPECT_EQ(matches(re, "\xC2\xA0\xE3\x80\x80").size(), 2u);  // NBSP, ideographic space
  EXPECT_EQ(matches(re, "\xE2\x80\xA8").size(), 1u);      // U+2028
  EXPECT_TRUE(matches(re, "\xEF\xBB\xBF").empty());       // U+FEFF
  EXPECT_TRUE(matches(re, "\xE1\xA0\x8E").empty());       // U+180E
  EXPECT_TRUE(matches(re, "\xE2\x80\x8B").empty());       // U+200B
  EXPECT_TRUE(matches(re, "\x1C").empty());
  EXPECT_TRUE(is_white_space(0x85));
  EXPECT_FALSE(is_white_space(0xFEFF));
  EXPECT_TRUE(is_word_char(0x24B6));   // Ⓐ is Alphabetic
  EXPECT_TRUE(is_word_char(0x0301));   // a combining mark
  EXPECT_FALSE(is_word_char(0x2014));  // em dash
}

TEST(PcreRegex, SplitsLikeLlama3) {
  const PcreRegex re = PcreRegex::compile_oniguruma(
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
      "t");
  EXPECT_EQ(pieces(re, "I'M here,  1234567 x\n\n  y"),
            (std::vector<std::string>{"I", "'M", " here", ",", " ", " ", "123", "456", "7", " x", "\n\n", " ", " y"}));
  EXPECT_EQ(pieces(re, "it'\xC5\xBF"), (std::vector<std::string>{"it", "'\xC5\xBF"}));  // 'ſ folds to 's, as in Oniguruma
}

// Empty matches as the onig crate's find_iter yields them: not right after the previous match.
TEST(PcreRegex, EmptyMatchesFollowTheOnigIterator) {
  const PcreRegex re = PcreRegex::compile_pcre2("a*", "t");
  EXPECT_EQ(matches(re, "baa"), (Ranges{{0, 0}, {1, 3}}));
  EXPECT_EQ(matches(re, ""), (Ranges{{0, 0}}));
  const PcreRegex multi = PcreRegex::compile_pcre2("x*", "t");
  EXPECT_EQ(matches(multi, "\xC3\xA9\xC3\xA9"), (Ranges{{0, 0}, {2, 2}, {4, 4}}));
}

TEST(PcreRegex, LineAnchorsAndReplace) {
  const PcreRegex re = PcreRegex::compile_oniguruma("^ +", "t");  // Ruby: ^ is a line anchor
  EXPECT_EQ(re.replace_all("  a\n  b", "_"), "_a\n_b");
  const PcreRegex spaces = PcreRegex::compile_oniguruma(" {2,}", "t");
  EXPECT_EQ(spaces.replace_all("a  b    c d", "\xE2\x96\x81"), "a\xE2\x96\x81" "b\xE2\x96\x81" "c d");
}

TEST(PcreRegex, LongRunsDoNotExhaustTheJitStack) {
  const PcreRegex re = PcreRegex::compile_oniguruma(R"(\s+(?!\S)|\s+|(a|b)+)", "t");
  const std::string text = std::string(1 << 20, ' ') + "x" + std::string(200000, 'a');
  EXPECT_EQ(matches(re, text).size(), 3u);  // the spaces but the last, the last, the a's
}

TEST(PcreRegex, DecodesUtf8) {
  EXPECT_EQ(decode_utf8_at("a", 0), (std::pair<char32_t, std::size_t>{'a', 1}));
  EXPECT_EQ(decode_utf8_at("\xC3\xA9", 0), (std::pair<char32_t, std::size_t>{0xE9, 2}));
  EXPECT_EQ(decode_utf8_at("x\xE2\x96\x81", 1), (std::pair<char32_t, std::size_t>{0x2581, 3}));
  EXPECT_EQ(decode_utf8_at("\xF0\x9F\x91\x8B", 0), (std::pair<char32_t, std::size_t>{0x1F44B, 4}));
}

}  // namespace
}  // namespace sppo
