#include "model/token_decoder.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sppo {
namespace {

using S = std::vector<std::string>;

TokenDecoder make(const std::string& json) {
  static std::vector<std::unique_ptr<nlohmann::json>> keep;
  keep.push_back(std::make_unique<nlohmann::json>(nlohmann::json::parse(json)));
  return TokenDecoder::from_json(JsonNode(*keep.back(), "tokenizer.json", "decoder"));
}

std::string error_of(const std::string& json) {
  try {
    make(json);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

const std::string kMeta = "\xE2\x96\x81";  // ▁

TEST(TokenDecoder, ByteLevel) {
  const TokenDecoder d = make(R"({"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true})");
  EXPECT_EQ(d.decode({"Hello", "\xC4\xA0world", "\xC4\x8A"}), "Hello world\n");
  EXPECT_EQ(d.decode({"<|eot_id|>", "\xC4\xA0" "a"}), "<|eot_id|> a");
  EXPECT_EQ(d.decode({"a b"}), "a b");                              // outside the alphabet: as is
  EXPECT_EQ(d.decode({"\xC3\xA2\xC4\xA4"}), "\xEF\xBF\xBD");         // "âĤ" = bytes E2 82: half a character
  EXPECT_EQ(d.decode({"\xC3\xA2\xC4\xA4", "\xC2\xAC"}), "\xE2\x82\xAC");  // completed by the next token: €
}

// Mistral's: ▁ -> space, <0xNN> runs -> bytes, fuse, then one leading space off.
TEST(TokenDecoder, SentencePieceStyleSequence) {
  const TokenDecoder d = make(R"({"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"\u2581"},"content":" "},
      {"type":"ByteFallback"},{"type":"Fuse"},{"type":"Strip","content":" ","start":1,"stop":0}]})");
  EXPECT_EQ(d.decode({kMeta + "Hello", kMeta + "world", "<0x0A>"}), "Hello world\n");
  EXPECT_EQ(d.decode({"<s>", kMeta + "a"}), "<s> a");
  EXPECT_EQ(d.decode({kMeta, "<0xF0>", "<0x9F>", "<0x91>", "<0x8B>"}), "\xF0\x9F\x91\x8B");
  EXPECT_EQ(d.decode({"<0xF0>", "<0x9F>", "x"}), "\xEF\xBF\xBD\xEF\xBF\xBDx");  // invalid: one U+FFFD per byte token
  EXPECT_EQ(d.decode({"<0xe9>", "<0xZZ>"}), "\xEF\xBF\xBD<0xZZ>");
  EXPECT_EQ(d.decode({}), "");
}

TEST(TokenDecoder, StripMetaspaceRegexAndNone) {
  EXPECT_EQ(make(R"({"type":"Strip","content":"x","start":2,"stop":1})").decode({"xxxaxx", "x", "ab"}), "xaxab");
  const TokenDecoder m = make(R"({"type":"Metaspace","replacement":"\u2581","prepend_scheme":"always","split":true})");
  EXPECT_EQ(m.decode({kMeta + "Hey" + kMeta, kMeta + "friend"}), "Hey friend");  // token 0 loses all its ▁
  const TokenDecoder never = make(R"({"type":"Metaspace","replacement":"\u2581","prepend_scheme":"never"})");
  EXPECT_EQ(never.decode({kMeta + "Hey", kMeta + "friend"}), " Hey friend");
  EXPECT_EQ(make(R"({"type":"Replace","pattern":{"Regex":"_+"},"content":"-"})").decode({"a__b", "_c"}), "a-b-c");
  EXPECT_EQ(TokenDecoder().decode({"a", "b"}), "a b");
}

TEST(TokenDecoder, RefusesWhatItDoesNotImplement) {
  EXPECT_EQ(error_of(R"({"type":"Sequence","decoders":[{"type":"Fuse"},{"type":"ByteFallback"},{"type":"CTC"}]})"),
            "tokenizer.json: decoder.decoders[2].type = \"CTC\": not supported");
  EXPECT_EQ(error_of(R"({"type":"WordPiece","prefix":"##"})"), "tokenizer.json: decoder.type = \"WordPiece\": not supported");
  EXPECT_EQ(error_of(R"({"type":"Strip","content":"ab","start":1,"stop":0})"),
            "tokenizer.json: decoder.content = \"ab\": expected one character");
  EXPECT_EQ(error_of(R"({"type":"Strip","content":" ","start":-1,"stop":0})"),
            "tokenizer.json: decoder.start = -1: must be in [0, 2147483647]");
}

}  // namespace
}  // namespace sppo
