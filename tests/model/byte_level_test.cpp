#include "model/byte_level.hpp"

#include <gtest/gtest.h>

#include <set>

namespace sppo {
namespace {

TEST(ByteLevel, AlphabetIsGpt2s) {
  EXPECT_EQ(byte_level_char('a'), U'a');
  EXPECT_EQ(byte_level_char('!'), U'!');
  EXPECT_EQ(byte_level_char(0x00), U'\u0100');
  EXPECT_EQ(byte_level_char(' '), U'\u0120');   // Ġ
  EXPECT_EQ(byte_level_char('\n'), U'\u010A');  // Ċ
  EXPECT_EQ(byte_level_char(0x7F), U'\u0121');
  EXPECT_EQ(byte_level_char(0xAD), U'\u0143');  // the soft hyphen is the last remapped byte
  EXPECT_EQ(byte_level_char(0xFF), U'\u00FF');
  std::set<char32_t> all;
  for (int b = 0; b < 256; ++b) all.insert(byte_level_char(static_cast<uint8_t>(b)));
  EXPECT_EQ(all.size(), 256u);
}

TEST(ByteLevel, MapsAndUnmapsEveryByte) {
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes += static_cast<char>(b);
  std::string mapped;
  append_byte_level(bytes, mapped);
  std::string back;
  ASSERT_TRUE(append_bytes_of_byte_level(mapped, back));
  EXPECT_EQ(back, bytes);
  mapped.clear();
  append_byte_level(" hi\n", mapped);
  EXPECT_EQ(mapped, "\xC4\xA0hi\xC4\x8A");  // "Ġhi Ċ"
}

TEST(ByteLevel, TextOutsideTheAlphabetIsNotBytes) {
  std::string out = "keep";
  EXPECT_FALSE(append_bytes_of_byte_level("<|eot id|>", out));  // ' ' is not in the alphabet
  EXPECT_FALSE(append_bytes_of_byte_level("\xE4\xBD\xA0", out));
  EXPECT_EQ(out, "keep");
  EXPECT_TRUE(append_bytes_of_byte_level("<|eot_id|>", out));  // all printable ASCII
  EXPECT_EQ(out, "keep<|eot_id|>");
}

TEST(ByteLevel, LossyUtf8ReplacesMaximalSubparts) {
  auto lossy = [](std::string_view s) {
    std::string out;
    append_utf8_lossy(s, out);
    return out;
  };
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(lossy("h\xC3\xA9llo \xF0\x9F\x91\x8B"), "h\xC3\xA9llo \xF0\x9F\x91\x8B");
  EXPECT_EQ(lossy("\xE2\x82"), r);               // a truncated sequence is one replacement
  EXPECT_EQ(lossy("\xE2\x82x"), r + "x");
  EXPECT_EQ(lossy("\x80\x80"), r + r);           // stray continuation bytes: one each
  EXPECT_EQ(lossy("\xC0\xAF"), r + r);           // overlong lead
  EXPECT_EQ(lossy("\xED\xA0\x80"), r + r + r);   // a surrogate: ED then two strays
  EXPECT_EQ(lossy("\xF4\x90\x80\x80"), r + r + r + r);  // above U+10FFFF
  EXPECT_EQ(lossy("\xF0\x9F\x91"), r);
  EXPECT_EQ(lossy("\xF0\x9F\x91\xF0\x9F\x91\x8B"), r + "\xF0\x9F\x91\x8B");
}

}  // namespace
}  // namespace sppo
