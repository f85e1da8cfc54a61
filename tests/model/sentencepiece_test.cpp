// The shim is loaded at run time (libsppo_spm.so beside the test binary); these tests
// check its encodings against the Hugging Face fixtures.
#include "model/sentencepiece.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

nlohmann::json tokenization() { return nlohmann::json::parse(test::read_file(test::fixtures() + "/tokenization.json")); }

TEST(SentencePiece, PlainEncodingMatchesSentencePieceForBothTokenizers) {
  const SentencePiece policy(test::fixtures() + "/policy-f32/tokenizer.model");
  const SentencePiece ranker(test::fixtures() + "/ranker-f32/spm.model");
  EXPECT_EQ(policy.piece_size(), 512);
  EXPECT_EQ(ranker.piece_size(), 400);
  int checked = 0;
  for (const auto& e : tokenization()) {
    if (e["add_special_tokens"].get<bool>()) continue;
    const std::string text = e["text"];
    const auto expected = e["raw_sentencepiece_ids"].get<std::vector<int>>();
    const SentencePiece& sp = e["tokenizer"] == "policy" ? policy : ranker;
    EXPECT_EQ(sp.encode(text), expected) << e["tokenizer"] << ": " << text;
    ++checked;
  }
  EXPECT_GE(checked, 24);
}

TEST(SentencePiece, WithoutDummyPrefixReproducesTextAfterASpecialToken) {
  // HF (legacy=false) encodes "Special </s> in the middle" as encode("Special ") + [</s>] +
  // the rest without the dummy prefix.
  const SentencePiece policy(test::fixtures() + "/policy-f32/tokenizer.model");
  std::vector<int> ids = policy.encode("Special ");
  ids.push_back(2);
  for (int id : policy.encode(" in the middle", /*dummy_prefix=*/false)) ids.push_back(id);
  EXPECT_EQ(ids, (std::vector<int>{353, 376, 350, 286, 440, 2, 290, 262, 275, 449, 451, 451, 283}));
}

TEST(SentencePiece, PiecesBytesAndDecoding) {
  const SentencePiece policy(test::fixtures() + "/policy-f32/tokenizer.model");
  EXPECT_EQ(policy.id_to_piece(1), "<s>");
  EXPECT_EQ(policy.id_to_piece(2), "</s>");
  EXPECT_EQ(policy.piece_to_id("<0x0A>"), 13);  // byte pieces start at 3
  EXPECT_TRUE(policy.is_byte(13));
  EXPECT_TRUE(policy.is_unknown(0));
  EXPECT_TRUE(policy.is_control(1));
  EXPECT_EQ(policy.decode(policy.encode("line one\nline two")), "line one\nline two");
  EXPECT_EQ(policy.decode(policy.encode("Thanks! \xF0\x9F\x99\x82")), "Thanks! \xF0\x9F\x99\x82");  // byte fallback
  EXPECT_THROW(policy.id_to_piece(99999), FormatError);
}

TEST(SentencePiece, NotAModelIsAClearError) {
  test::TempDir dir;
  test::write_file(dir.file("tokenizer.model"), "definitely not a protobuf");
  try {
    SentencePiece sp(dir.file("tokenizer.model"));
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(dir.file("tokenizer.model") + ": not a SentencePiece model", 0), 0u) << e.what();
  }
  EXPECT_THROW(SentencePiece(dir.file("missing.model")), IoError);
}

TEST(SentencePiece, TrainsAModelThatEncodesItsText) {
  test::TempDir dir;
  std::string text;
  for (int i = 0; i < 200; ++i) text += "the quick brown fox jumps over the lazy dog number " + std::to_string(i) + "\n";
  test::write_file(dir.file("corpus.txt"), text);
  SentencePiece::train("--input=" + dir.file("corpus.txt") + " --model_prefix=" + dir.file("m") +
                       " --vocab_size=320 --model_type=bpe --byte_fallback=true --minloglevel=2");
  const SentencePiece sp(dir.file("m.model"));
  EXPECT_EQ(sp.piece_size(), 320);
  EXPECT_EQ(sp.decode(sp.encode("the lazy fox")), "the lazy fox");
  EXPECT_THROW(SentencePiece::train("--input=/nonexistent --model_prefix=" + dir.file("x") + " --minloglevel=2"), FormatError);
}

}  // namespace
}  // namespace sppo
