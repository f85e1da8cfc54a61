#include "model/tokenizer_json.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sppo {
namespace {

std::string error_of(const std::string& text) {
  try {
    read_tokenizer_json(text, "t/tokenizer.json");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TokenizerJson, StreamsVocabAndMergesAndKeepsTheRest) {
  const TokenizerJson t = read_tokenizer_json(R"({"version":"1.0","added_tokens":[{"id":3,"content":"<s>"}],
      "model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2,"x y":7},"merges":["a b",["a","b"],"#version 2"],"dropout":null},
      "decoder":{"vocab":{"not":"streamed"},"merges":[1]}})",
                                              "tokenizer.json");
  ASSERT_TRUE(t.has_vocab);
  ASSERT_TRUE(t.has_merges);
  EXPECT_EQ(t.vocab, (std::vector<std::pair<std::string, int64_t>>{{"a", 0}, {"b", 1}, {"ab", 2}, {"x y", 7}}));
  EXPECT_EQ(t.merges, (std::vector<std::pair<std::string, std::string>>{{"a", "b"}, {"a", "b"}}));
  EXPECT_EQ(t.merge_index, (std::vector<std::size_t>{0, 1}));
  EXPECT_FALSE(t.document["model"].contains("vocab"));
  EXPECT_EQ(t.document["model"]["type"], "BPE");
  EXPECT_TRUE(t.document["model"]["dropout"].is_null());
  EXPECT_EQ(t.document["decoder"]["vocab"]["not"], "streamed");  // only the root's model is streamed
  EXPECT_EQ(t.document["added_tokens"][0]["content"], "<s>");
}

TEST(TokenizerJson, AVocabThatIsNotAnObjectStaysInTheDocument) {
  const TokenizerJson t = read_tokenizer_json(R"({"model":{"type":"Unigram","vocab":[["a",-1.0]]}})", "tokenizer.json");
  EXPECT_FALSE(t.has_vocab);
  EXPECT_TRUE(t.document["model"]["vocab"].is_array());
}

TEST(TokenizerJson, NamesTheBadEntry) {
  EXPECT_EQ(error_of(R"({"model":{"vocab":{"a":0,"b":"1"}}})"),
            "t/tokenizer.json: model.vocab[\"b\"] = \"1\": expected an integer id in [0, 2147483647]");
  EXPECT_EQ(error_of(R"({"model":{"vocab":{"a":-4}}})"),
            "t/tokenizer.json: model.vocab[\"a\"] = -4: expected an integer id in [0, 2147483647]");
  EXPECT_EQ(error_of(R"({"model":{"vocab":{"a":4294967296}}})"),
            "t/tokenizer.json: model.vocab[\"a\"] = 4294967296: expected an integer id in [0, 2147483647]");
  EXPECT_EQ(error_of(R"({"model":{"vocab":{"a":[1]}}})"),
            "t/tokenizer.json: model.vocab[\"a\"]: expected an integer id in [0, 2147483647]");
  EXPECT_EQ(error_of(R"({"model":{"merges":["a b","a b c"]}})"),
            "t/tokenizer.json: model.merges[1] = \"a b c\": expected two tokens separated by one space");
  EXPECT_EQ(error_of(R"({"model":{"merges":["ab"]}})"),
            "t/tokenizer.json: model.merges[0] = \"ab\": expected two tokens separated by one space");
  EXPECT_EQ(error_of(R"({"model":{"merges":[["a","b","c"]]}})"),
            "t/tokenizer.json: model.merges[0]: expected two strings [\"a\", \"b\"]");
  EXPECT_EQ(error_of(R"({"model":{"merges":[["a",1]]}})"),
            "t/tokenizer.json: model.merges[0]: expected two strings [\"a\", \"b\"]");
  EXPECT_EQ(error_of(R"({"model":{"merges":[7]}})"), "t/tokenizer.json: model.merges[0] = 7: expected \"a b\" or [\"a\", \"b\"]");
  EXPECT_EQ(error_of(R"({"model":{"vocab":{},"vocab":{}}})"), "t/tokenizer.json: model.vocab appears twice");
}

TEST(TokenizerJson, MalformedJsonIsOneError) {
  EXPECT_EQ(error_of(R"({"model": {"vocab": {"a": 0,}})"),
            "t/tokenizer.json: not valid JSON: [json.exception.parse_error.101] parse error at line 1, column 29: "
            "syntax error while parsing object key - unexpected '}'; expected string literal");
  EXPECT_NE(error_of("{\"model\": \"\xFF\"}").find("t/tokenizer.json: not valid JSON: "), std::string::npos);
  EXPECT_NE(error_of("").find("t/tokenizer.json: not valid JSON: "), std::string::npos);
  EXPECT_NE(error_of("{} trailing").find("t/tokenizer.json: not valid JSON: "), std::string::npos);
}

}  // namespace
}  // namespace sppo
