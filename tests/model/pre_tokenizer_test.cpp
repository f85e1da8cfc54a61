#include "model/pre_tokenizer.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sppo {
namespace {

using Ranges = std::vector<std::pair<std::size_t, std::size_t>>;

PreTokenizer make(const std::string& json) {
  static std::vector<std::unique_ptr<nlohmann::json>> keep;
  keep.push_back(std::make_unique<nlohmann::json>(nlohmann::json::parse(json)));
  return PreTokenizer::from_json(JsonNode(*keep.back(), "tokenizer.json", "pre_tokenizer"));
}

std::vector<std::string> run(const PreTokenizer& p, const std::string& text, bool at_start = true) {
  std::vector<PreToken> pieces{{text, at_start}};
  p.pre_tokenize(pieces);
  std::vector<std::string> out;
  for (const PreToken& t : pieces) out.push_back(t.text);
  return out;
}

std::string error_of(const std::string& json) {
  try {
    make(json);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

std::vector<std::string> split_on_dash(const std::string& text, SplitBehavior b, bool invert = false) {
  Ranges matches;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '-') matches.emplace_back(i, i + 1);
  std::vector<std::string> out;
  for (const auto& [begin, end] : split_ranges(text.size(), matches, b, invert)) out.push_back(text.substr(begin, end - begin));
  return out;
}

// The examples of tokenizers' SplitDelimiterBehavior documentation ("the-final--countdown").
TEST(PreTokenizer, SplitBehaviorsAsInTokenizers) {
  using V = std::vector<std::string>;
  const std::string t = "the-final--countdown";
  EXPECT_EQ(split_on_dash(t, SplitBehavior::Removed), (V{"the", "final", "countdown"}));
  EXPECT_EQ(split_on_dash(t, SplitBehavior::Isolated), (V{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(split_on_dash(t, SplitBehavior::MergedWithPrevious), (V{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(split_on_dash(t, SplitBehavior::MergedWithNext), (V{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(split_on_dash(t, SplitBehavior::Contiguous), (V{"the", "-", "final", "--", "countdown"}));
  EXPECT_EQ(split_on_dash(t, SplitBehavior::Removed, true), (V{"-", "-", "-"}));
  EXPECT_EQ(split_on_dash("-a-", SplitBehavior::MergedWithPrevious), (V{"-", "a-"}));
  EXPECT_EQ(split_on_dash("", SplitBehavior::Isolated), V{});
}

TEST(PreTokenizer, SplitWithStringAndRegexPatterns) {
  using V = std::vector<std::string>;
  EXPECT_EQ(run(make(R"({"type":"Split","pattern":{"String":" "},"behavior":"MergedWithPrevious","invert":false})"), "a b  c"),
            (V{"a ", "b ", " ", "c"}));
  EXPECT_EQ(run(make(R"({"type":"Split","pattern":{"Regex":"\\d+"},"behavior":"Isolated","invert":false})"), "ab12cd3"),
            (V{"ab", "12", "cd", "3"}));
  EXPECT_EQ(run(make(R"({"type":"Split","pattern":{"Regex":"\\p{L}+"},"behavior":"Removed","invert":true})"), "ab, cd!"),
            (V{"ab", "cd"}));
}

TEST(PreTokenizer, ByteLevelWithAndWithoutRegex) {
  using V = std::vector<std::string>;
  const PreTokenizer gpt2 = make(R"({"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true})");
  EXPECT_EQ(run(gpt2, "Hello world's  end\n"),
            (V{"\xC4\xA0Hello", "\xC4\xA0world", "'s", "\xC4\xA0", "\xC4\xA0" "end", "\xC4\x8A"}));
  const PreTokenizer plain = make(R"({"type":"ByteLevel","add_prefix_space":false,"use_regex":false})");
  EXPECT_EQ(run(plain, " a\xC3\xA9"), (V{"\xC4\xA0" "a\xC3\x83\xC2\xA9"}));
}

// Llama-3's: its regex, then bytes to the byte-level alphabet.
TEST(PreTokenizer, SequenceRunsEachStepOnEveryPiece) {
  using V = std::vector<std::string>;
  const PreTokenizer p = make(R"({"type":"Sequence","pretokenizers":[
      {"type":"Split","pattern":{"Regex":"\\p{N}{1,3}| ?\\p{L}+|\\s+"},"behavior":"Isolated","invert":false},
      {"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":false}]})");
  EXPECT_EQ(run(p, "in 12345 ways"), (V{"in", "\xC4\xA0", "123", "45", "\xC4\xA0ways"}));
}

TEST(PreTokenizer, MetaspaceSchemesAndSplit) {
  using V = std::vector<std::string>;
  const std::string m = "\xE2\x96\x81";
  const PreTokenizer first = make(R"({"type":"Metaspace","replacement":"\u2581","prepend_scheme":"first","split":false})");
  EXPECT_EQ(run(first, "hi there", true), (V{m + "hi" + m + "there"}));
  EXPECT_EQ(run(first, "hi there", false), (V{"hi" + m + "there"}));  // not the start of the input
  const PreTokenizer always = make(R"({"type":"Metaspace","replacement":"\u2581","prepend_scheme":"always","split":true})");
  EXPECT_EQ(run(always, "hi  there", false), (V{m + "hi", m, m + "there"}));
  EXPECT_EQ(run(always, m + "x", false), (V{m + "x"}));  // already starts with it
  const PreTokenizer never = make(R"({"type":"Metaspace","replacement":"\u2581","add_prefix_space":false})");
  EXPECT_EQ(run(never, "a b"), (V{"a", m + "b"}));
}

TEST(PreTokenizer, RefusesWhatItDoesNotImplement) {
  EXPECT_EQ(error_of(R"({"type":"Sequence","pretokenizers":[{"type":"ByteLevel"},{"type":"Digits","individual_digits":true}]})"),
            "tokenizer.json: pre_tokenizer.pretokenizers[1].type = \"Digits\": not supported");
  EXPECT_EQ(error_of(R"({"type":"Split","pattern":{"String":"x"},"behavior":"Merged","invert":false})"),
            "tokenizer.json: pre_tokenizer.behavior = \"Merged\": expected Removed, Isolated, MergedWithPrevious, "
            "MergedWithNext or Contiguous");
  EXPECT_EQ(error_of(R"({"type":"Split","pattern":{"Regex":"[a"},"behavior":"Isolated","invert":false})"),
            "tokenizer.json: pre_tokenizer.pattern.Regex: missing terminating ] for character class at offset 2 of \"[a\"");
  EXPECT_EQ(error_of(R"({"type":"Metaspace","replacement":"ab"})"),
            "tokenizer.json: pre_tokenizer.replacement = \"ab\": expected one character");
  EXPECT_EQ(error_of(R"({"type":"Metaspace","replacement":"_","prepend_scheme":"first","add_prefix_space":false})"),
            "tokenizer.json: pre_tokenizer.add_prefix_space = false: contradicts prepend_scheme = \"first\"");
  EXPECT_EQ(error_of(R"({"pattern":{}})"), "tokenizer.json: pre_tokenizer.type is missing");
}

}  // namespace
}  // namespace sppo
