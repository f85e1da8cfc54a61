#include "model/jinja_unicode.hpp"

#include <gtest/gtest.h>

namespace sppo::jinja {
namespace {

// Expected values are what Python 3.11's str methods return.
TEST(JinjaUnicode, CodePoints) {
  const std::string s = "a\u00e9\u4e2d\U0001F600";
  EXPECT_EQ(code_point_count(s), 4u);
  EXPECT_EQ(to_code_points(s), std::u32string(U"a\u00e9\u4e2d\U0001F600"));
  EXPECT_EQ(to_utf8(to_code_points(s)), s);
}

TEST(JinjaUnicode, WhitespaceIsStrIsspace) {
  for (char32_t c : {U'\t', U'\n', U'\x0b', U'\x1c', U' ', U'\x85', U'\xa0', U'\u2028', U'\u3000'}) EXPECT_TRUE(is_space(c)) << c;
  for (char32_t c : {U'a', U'\u200b', U'\ufeff', U'\x00'}) EXPECT_FALSE(is_space(c)) << c;
}

TEST(JinjaUnicode, PrintableIsStrIsprintable) {
  EXPECT_TRUE(is_printable(U' '));
  EXPECT_TRUE(is_printable(U'\u00e9'));
  EXPECT_FALSE(is_printable(U'\u00a0'));
  EXPECT_FALSE(is_printable(U'\u00ad'));
  EXPECT_FALSE(is_printable(U'\x7f'));
}

TEST(JinjaUnicode, CaseMappingsAreFull) {
  EXPECT_EQ(to_upper("stra\u00dfe \ufb01"), "STRASSE FI");
  EXPECT_EQ(to_lower("\u00c0\u0130"), "\u00e0i\u0307");
  EXPECT_EQ(to_lower("\u03a3\u0391\u03a3 \u03a3"), "\u03c3\u03b1\u03c2 \u03c3");  // final sigma
  EXPECT_EQ(to_title("hello wORLD \u01c6emal"), "Hello World \u01c5emal");
  EXPECT_EQ(to_capitalized("hELLO \u01c6"), "Hello \u01c6");
  EXPECT_EQ(to_title("they're bill's"), "They'Re Bill'S");
}

TEST(JinjaUnicode, LowerAndUpperText) {
  EXPECT_TRUE(is_lower_text("abc1"));
  EXPECT_FALSE(is_lower_text("123"));
  EXPECT_TRUE(is_upper_text("\U0001D400"));  // MATHEMATICAL BOLD CAPITAL A: Uppercase, unmapped
  EXPECT_FALSE(is_lower_text("\U0001D400"));
  EXPECT_FALSE(is_upper_text("\u01c5"));  // titlecase: neither
}

}  // namespace
}  // namespace sppo::jinja
