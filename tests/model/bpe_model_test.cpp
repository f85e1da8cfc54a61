#include "model/bpe_model.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "core/error.hpp"

namespace sppo {
namespace {

// A model from the text of a tokenizer.json that holds only {"model": ...}.
struct Built {
  TokenizerJson parsed;
  std::unique_ptr<BpeModel> model;
};

Built build(const std::string& model_json) {
  Built b;
  b.parsed = read_tokenizer_json("{\"model\": " + model_json + "}", "tokenizer.json");
  const JsonNode model(b.parsed.document["model"], "tokenizer.json", "model");
  b.model = std::make_unique<BpeModel>(BpeModel::from_json(model, b.parsed));
  return b;
}

std::vector<int32_t> ids(const BpeModel& m, std::string_view word) {
  std::vector<int32_t> out;
  m.tokenize(word, out);
  return out;
}

std::string error_of(const std::string& model_json) {
  try {
    build(model_json);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

using V = std::vector<int32_t>;

TEST(BpeModel, MergesByRankLeftmostFirst) {
  // "a a" ranks before "a b": "aab" -> [aa, b]; "aaa" -> [aa, a] (leftmost pair first).
  const Built b = build(R"({"type":"BPE","vocab":{"a":0,"b":1,"aa":2,"ab":3,"aab":4,"aaa":5},
                             "merges":["a a","a b",["aa","b"]]})");
  EXPECT_EQ(ids(*b.model, "aab"), (V{4}));
  EXPECT_EQ(ids(*b.model, "aaa"), (V{2, 0}));
  EXPECT_EQ(ids(*b.model, "aaaa"), (V{2, 2}));
  EXPECT_EQ(ids(*b.model, "ba"), (V{1, 0}));
  EXPECT_EQ(ids(*b.model, ""), V{});
  EXPECT_EQ(b.model->token_to_id("aab"), 4);
  EXPECT_EQ(b.model->id_to_token(3), "ab");
  EXPECT_FALSE(b.model->id_to_token(6).has_value());
  EXPECT_EQ(b.model->id_limit(), 6);
}

TEST(BpeModel, ARepeatedMergeKeepsItsLastRank) {
  // "b c" listed first and again after "a b": the last rank wins, so "abc" -> [ab, c].
  const Built b = build(R"({"type":"BPE","vocab":{"a":0,"b":1,"c":2,"ab":3,"bc":4},"merges":["b c","a b","b c"]})");
  EXPECT_EQ(ids(*b.model, "abc"), (V{3, 2}));
}

TEST(BpeModel, IgnoreMergesTakesWholeWordsFromTheVocab) {
  const std::string vocab = R"("vocab":{"a":0,"b":1,"c":2,"ab":3,"abc":4,"bc":5},"merges":["b c","a b"])";
  EXPECT_EQ(ids(*build(R"({"type":"BPE","ignore_merges":true,)" + vocab + "}").model, "abc"), (V{4}));
  EXPECT_EQ(ids(*build(R"({"type":"BPE","ignore_merges":false,)" + vocab + "}").model, "abc"), (V{0, 5}));
}

TEST(BpeModel, ByteFallbackAndUnknownCharacters) {
  std::string vocab = R"({"<unk>":0,"a":1,"<0xC3>":2,"<0xA9>":3)";
  vocab += "}";
  // é is not in the vocab: its two bytes; 你 has no byte tokens (E4 ..): unk, fused when asked.
  const Built fb = build(R"({"type":"BPE","unk_token":"<unk>","fuse_unk":true,"byte_fallback":true,"vocab":)" + vocab +
                         R"(,"merges":[]})");
  EXPECT_EQ(ids(*fb.model, "a\xC3\xA9" "a"), (V{1, 2, 3, 1}));
  EXPECT_EQ(ids(*fb.model, "\xE4\xBD\xA0\xE4\xBD\xA0" "a\xE4\xBD\xA0"), (V{0, 1, 0}));
  const Built unfused = build(R"({"type":"BPE","unk_token":"<unk>","fuse_unk":false,"vocab":)" + vocab + R"(,"merges":[]})");
  EXPECT_EQ(ids(*unfused.model, "\xC3\xA9\xC3\xA9" "a"), (V{0, 0, 1}));
  const Built no_unk = build(R"({"type":"BPE","vocab":)" + vocab + R"(,"merges":[]})");
  EXPECT_EQ(ids(*no_unk.model, "x" "a" "y"), (V{1}));  // dropped, as tokenizers does
}

TEST(BpeModel, ContinuingSubwordPrefixAndEndOfWordSuffix) {
  const Built b = build(R"({"type":"BPE","continuing_subword_prefix":"##","end_of_word_suffix":"</w>",
      "vocab":{"a":0,"##b":1,"##c</w>":2,"ab":3,"abc</w>":4,"c</w>":5},
      "merges":["a ##b","ab ##c</w>"]})");
  EXPECT_EQ(ids(*b.model, "abc"), (V{4}));
  EXPECT_EQ(ids(*b.model, "c"), (V{5}));
}

// SentencePiece-style vocab: long words are cut before '▁' where no token can span the cut;
// '>' is joined to '▁' by the token ">▁<" here, so "x>▁<" must stay whole.
TEST(BpeModel, CutsLongWordsOnlyWhereNoMergeCrosses) {
  const Built b = build(R"({"type":"BPE","vocab":{"\u2581":0,"x":1,">":2,"<":3,"\u2581x":4,">\u2581":5,">\u2581<":6,
      "xx":7,"\u2581xx":8},"merges":["x x",["\u2581","xx"],"> \u2581",">\u2581 <","\u2581 x"]})");
  std::string word;
  V expect;
  for (int i = 0; i < 30; ++i) {
    word += "\xE2\x96\x81xx";
    expect.push_back(8);
  }
  word += ">\xE2\x96\x81<";
  expect.push_back(6);
  EXPECT_EQ(ids(*b.model, word), expect);
}

TEST(BpeModel, RefusesMalformedModels) {
  EXPECT_EQ(error_of(R"({"type":"BPE","dropout":0.1,"vocab":{},"merges":[]})"),
            "tokenizer.json: model.dropout = 0.1: must be null (BPE dropout is not implemented)");
  EXPECT_EQ(error_of(R"({"type":"BPE","merges":[]})"), "tokenizer.json: model.vocab is missing");
  EXPECT_EQ(error_of(R"({"type":"BPE","vocab":[["a",0.0]],"merges":[]})"),
            "tokenizer.json: model.vocab: expected an object of token -> id");
  EXPECT_EQ(error_of(R"({"type":"BPE","vocab":{"a":0}})"), "tokenizer.json: model.merges is missing");
  EXPECT_EQ(error_of(R"({"type":"BPE","vocab":{"a":0,"b":1},"merges":["a b"]})"),
            "tokenizer.json: model.merges[0] = [\"a\", \"b\"]: the merged token \"ab\" is not in model.vocab");
  EXPECT_EQ(error_of(R"({"type":"BPE","vocab":{"a":0,"ab":1},"merges":["#version: 0.2","a b"]})"),
            "tokenizer.json: model.merges[1] = [\"a\", \"b\"]: \"b\" is not in model.vocab");
  EXPECT_EQ(error_of(R"({"type":"BPE","vocab":{"a":0,"b":0},"merges":[]})"),
            "tokenizer.json: model.vocab[\"b\"] = 0: id also given to \"a\"");
  EXPECT_EQ(error_of(R"({"type":"BPE","vocab":{"a":0},"unk_token":"<unk>","merges":[]})"),
            "tokenizer.json: model.unk_token = \"<unk>\": not in model.vocab");
  EXPECT_EQ(error_of(R"({"type":"BPE","continuing_subword_prefix":"##","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]})"),
            "tokenizer.json: model.merges[0] = [\"a\", \"b\"]: \"b\" does not start with continuing_subword_prefix \"##\"");
}

TEST(BpeModel, ConcurrentEncodesAgree) {
  const Built b = build(R"({"type":"BPE","vocab":{"a":0,"b":1,"ab":2,"aba":3},"merges":["a b","ab a"]})");
  std::vector<std::thread> threads;
  std::vector<V> results(4);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        std::string w = std::string(static_cast<std::size_t>(1 + i % 7), 'a') + "ba";
        results[static_cast<std::size_t>(t)] = ids(*b.model, w);
      }
    });
  for (auto& th : threads) th.join();
  for (const V& r : results) EXPECT_EQ(r, results[0]);
}

}  // namespace
}  // namespace sppo
