#include "model/text_normalizer.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sppo {
namespace {

TextNormalizer make(const std::string& json) {
  static std::vector<std::unique_ptr<nlohmann::json>> keep;  // JsonNode views must outlive parsing
  keep.push_back(std::make_unique<nlohmann::json>(nlohmann::json::parse(json)));
  return TextNormalizer::from_json(JsonNode(*keep.back(), "tokenizer.json", "normalizer"));
}

std::string error_of(const std::string& json) {
  try {
    make(json);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TextNormalizer, UnicodeForms) {
  const std::string decomposed = "e\xCC\x81";   // e + U+0301
  const std::string composed = "\xC3\xA9";      // é
  const std::string ligature = "\xEF\xAC\x81";  // ﬁ
  EXPECT_EQ(make(R"({"type":"NFC"})").normalize(decomposed + ligature), composed + ligature);
  EXPECT_EQ(make(R"({"type":"NFD"})").normalize(composed), decomposed);
  EXPECT_EQ(make(R"({"type":"NFKC"})").normalize(decomposed + ligature + "\xEF\xBC\xA1"), composed + "fiA");
  EXPECT_EQ(make(R"({"type":"NFKD"})").normalize(composed + ligature), decomposed + "fi");
  EXPECT_EQ(make(R"({"type":"NFC"})").normalize("plain ASCII"), "plain ASCII");
  // Hangul jamo compose into one syllable
  EXPECT_EQ(make(R"({"type":"NFC"})").normalize("\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB"), "\xED\x95\x9C");
}

TEST(TextNormalizer, LowercaseStripPrependReplace) {
  EXPECT_EQ(make(R"({"type":"Lowercase"})").normalize("HeLLo \xC3\x89\xCE\xA3 \xC4\xB0"), "hello \xC3\xA9\xCF\x83 i\xCC\x87");
  EXPECT_EQ(make(R"({"type":"Strip","strip_left":true,"strip_right":true})").normalize("\xC2\xA0 x y\t\xC2\x85"), "x y");
  EXPECT_EQ(make(R"({"type":"Strip","strip_left":false,"strip_right":true})").normalize("  x  "), "  x");
  EXPECT_EQ(make(R"({"type":"Prepend","prepend":"\u2581"})").normalize("hi"), "\xE2\x96\x81hi");
  EXPECT_EQ(make(R"({"type":"Prepend","prepend":"\u2581"})").normalize(""), "");  // only non-empty text
  EXPECT_EQ(make(R"({"type":"Replace","pattern":{"String":" "},"content":"\u2581"})").normalize(" a  b"),
            "\xE2\x96\x81" "a\xE2\x96\x81\xE2\x96\x81" "b");
  EXPECT_EQ(make(R"({"type":"Replace","pattern":{"String":"aa"},"content":"b"})").normalize("aaa"), "ba");
  EXPECT_EQ(make(R"({"type":"Replace","pattern":{"Regex":"\\s+"},"content":" "})").normalize("a \t\n b\xC2\x85" "c"), "a b c");
}

// Mistral's: every stretch gets its own leading ▁ and spaces become ▁.
TEST(TextNormalizer, SequenceAppliesInOrder) {
  const TextNormalizer n = make(R"({"type":"Sequence","normalizers":[
      {"type":"Prepend","prepend":"\u2581"},{"type":"Replace","pattern":{"String":" "},"content":"\u2581"}]})");
  EXPECT_EQ(n.normalize("a b"), "\xE2\x96\x81" "a\xE2\x96\x81" "b");
  EXPECT_FALSE(n.is_identity());
  EXPECT_TRUE(TextNormalizer().is_identity());
  EXPECT_EQ(TextNormalizer().normalize("x y"), "x y");
}

TEST(TextNormalizer, RefusesWhatItDoesNotImplement) {
  EXPECT_EQ(error_of(R"({"type":"BertNormalizer","lowercase":true})"),
            "tokenizer.json: normalizer.type = \"BertNormalizer\": not supported");
  EXPECT_EQ(error_of(R"({"type":"Sequence","normalizers":[{"type":"NFC"},{"type":"Precompiled","precompiled_charsmap":"AA"}]})"),
            "tokenizer.json: normalizer.normalizers[1].type = \"Precompiled\": not supported");
  EXPECT_EQ(error_of(R"({"type":"Replace","pattern":{"Glob":"*"},"content":""})"),
            "tokenizer.json: normalizer.pattern: expected {\"String\": ...} or {\"Regex\": ...}");
  EXPECT_EQ(error_of(R"({"type":"Replace","pattern":{"Regex":"(("},"content":""})"),
            "tokenizer.json: normalizer.pattern.Regex: missing closing parenthesis at offset 2 of \"((\"");
  EXPECT_EQ(error_of(R"({"type":"Prepend"})"), "tokenizer.json: normalizer.prepend is missing");
  EXPECT_EQ(error_of(R"({"type":7})"), "tokenizer.json: normalizer.type = 7: expected a string");
}

TEST(TextNormalizer, ReplaceAllLiteral) {
  EXPECT_EQ(replace_all_literal("a.b.c", ".", "::"), "a::b::c");
  EXPECT_EQ(replace_all_literal("abc", "", "x"), "abc");
  EXPECT_EQ(replace_all_literal("", "a", "x"), "");
}

}  // namespace
}  // namespace sppo
