#include "io/utf8.hpp"

#include <gtest/gtest.h>

namespace sppo {
namespace {

TEST(Utf8, AcceptsValidText) {
  for (const char* s : {"", "plain ascii", "caf\xC3\xA9", "\xE4\xB8\xAD\xE6\x96\x87", "\xF0\x9F\x9A\x80", "\xF4\x8F\xBF\xBF"})
    EXPECT_FALSE(first_invalid_utf8(s).has_value()) << s;
}

TEST(Utf8, FindsTheFirstInvalidByte) {
  struct Case { std::string text; std::size_t at; };
  for (const Case& c : {Case{"ab\xFF", 2}, Case{"\x80", 0}, Case{"a\xC3", 1}, Case{"\xC0\xAF", 0} /* overlong */,
                        Case{"x\xED\xA0\x80", 1} /* surrogate */, Case{"\xF4\x90\x80\x80", 0} /* > U+10FFFF */,
                        Case{"ok\xE4\xB8", 2} /* truncated */, Case{"\xE4\x41\x80", 0}}) {
    auto bad = first_invalid_utf8(c.text);
    ASSERT_TRUE(bad.has_value()) << c.text;
    EXPECT_EQ(*bad, c.at);
  }
}

}  // namespace
}  // namespace sppo
