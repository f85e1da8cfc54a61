#include "model/added_vocabulary.hpp"

#include <gtest/gtest.h>

namespace sppo {
namespace {

AddedToken token(int32_t id, const std::string& content) {
  AddedToken t;
  t.id = id;
  t.content = content;
  t.special = true;
  return t;
}

// "text|<id>|text" for the pieces of `text`.
std::string split(const AddedVocabulary& v, const std::string& text, bool after_normalization = false) {
  std::vector<AddedVocabulary::Piece> pieces;
  v.split(text, after_normalization, pieces);
  std::string out;
  for (const auto& p : pieces) {
    if (!out.empty()) out += "|";
    out += p.id >= 0 ? "<" + std::to_string(p.id) + ">" : "'" + text.substr(p.begin, p.end - p.begin) + "'";
  }
  return out;
}

TEST(AddedVocabulary, LongestMatchLeftmostFirst) {
  const AddedVocabulary v({token(1, "<a>"), token(2, "<a><b>"), token(3, "b>")}, TextNormalizer(), false);
  EXPECT_EQ(split(v, "x<a><b>y<a>z"), "'x'|<2>|'y'|<1>|'z'");
  EXPECT_EQ(split(v, "<a><b"), "<1>|'<b'");
  EXPECT_EQ(split(v, "<<a>b>"), "'<'|<1>|<3>");
  EXPECT_EQ(split(v, "<a><a>"), "<1>|<1>");
  EXPECT_EQ(split(v, ""), "");
  EXPECT_EQ(v.id_of("b>"), 3);
  EXPECT_EQ(v.by_id(2)->content, "<a><b>");
  EXPECT_EQ(v.by_id(9), nullptr);
}

TEST(AddedVocabulary, StripAndSingleWord) {
  AddedToken l = token(1, "<mask>");
  l.lstrip = true;
  AddedToken r = token(2, "<r>");
  r.rstrip = true;
  AddedToken w = token(3, "cat");
  w.single_word = true;
  const AddedVocabulary v({l, r, w}, TextNormalizer(), false);
  EXPECT_EQ(split(v, "a  <mask> b"), "'a'|<1>|' b'");
  EXPECT_EQ(split(v, "a <r> \n b"), "'a '|<2>|'b'");
  EXPECT_EQ(split(v, "<r>  <mask>x"), "<2>|<1>|'x'");  // the spaces went to <r>
  EXPECT_EQ(split(v, "a cat, concat cats \xC3\xA9" "cat cat"), "'a '|<3>|', concat cats \xC3\xA9" "cat '|<3>");
}

TEST(AddedVocabulary, NormalizedTokensMatchAfterNormalization) {
  AddedToken n = token(5, "hello world");
  n.normalized = true;
  n.special = false;
  const nlohmann::json replace = nlohmann::json::parse(R"({"type":"Replace","pattern":{"String":" "},"content":"_"})");
  const TextNormalizer normalizer = TextNormalizer::from_json(JsonNode(replace, "t", "normalizer"));
  const AddedVocabulary v({n, token(6, "<s>")}, normalizer, false);
  EXPECT_TRUE(v.has_normalized_tokens());
  EXPECT_EQ(split(v, "say hello world<s>"), "'say hello world'|<6>");
  EXPECT_EQ(split(v, "say_hello_world", true), "'say_'|<5>");
}

TEST(AddedVocabulary, SplitSpecialTokensLeavesThemText) {
  AddedToken plain = token(7, "<tool>");
  plain.special = false;
  const AddedVocabulary v({token(1, "<s>"), plain}, TextNormalizer(), true);
  EXPECT_EQ(split(v, "<s>x<tool>"), "'<s>x'|<7>");
}

}  // namespace
}  // namespace sppo
