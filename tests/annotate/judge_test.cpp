#include "annotate/judge.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(Judge, AnItemIsTheTemplatedPromptAndTheResponsesWithoutEos) {
  const PolicyTokenizer tokenizer(test::fixtures() + "/policy-f32");
  const ChatFormat mistral = ChatFormat::resolve("mistral", std::nullopt, tokenizer);
  const std::vector<int32_t> prompt = mistral.prompt_ids("What is red?");
  const std::vector<int32_t> finished = mistral.response_ids("A colour."), cut = tokenizer.encode("A col");
  const JudgeItem item = judge_item(mistral, prompt, {&finished, &cut});
  // The official pipeline shows PairRM the templated prompt with its "<s>".
  EXPECT_EQ(item.source, "<s>[INST] What is red? [/INST]");
  ASSERT_EQ(item.candidates.size(), 2u);
  EXPECT_EQ(item.candidates[0], "A colour.") << "EOS removed";
  EXPECT_EQ(item.candidates[1], "A col") << "a cut response as it is";
  const ChatFormat none = ChatFormat::resolve("none", std::nullopt, tokenizer);
  const JudgeItem plain = judge_item(none, none.prompt_ids("Hi"), {&cut});
  EXPECT_EQ(plain.source, "Hi");
}

TEST(Judge, TheConfiguredJudgeIsMadeAndNamed) {
  JudgeSpec synthetic;
  synthetic.ranker.type = RankerType::synthetic;
  synthetic.ranker.rule = SyntheticRule::length;
  const auto rule = make_judge(synthetic);
  EXPECT_NE(rule->describe().find("length"), std::string::npos) << rule->describe();
  const auto M = rule->logit_matrices({{"src", {"one two three", "one"}}})[0];
  EXPECT_GT(M[1], 0.0f) << "the longer one wins";
  EXPECT_LT(M[2], 0.0f);

  JudgeSpec pairrm;
  pairrm.ranker.path = test::fixtures() + "/ranker-f32";
  pairrm.batch_pairs = 4;
  const auto ranker = make_judge(pairrm);
  EXPECT_EQ(ranker->describe(), "PairRM " + pairrm.ranker.path);
  EXPECT_GT(ranker->fingerprint(), 0);
  const auto again = make_judge(pairrm);
  EXPECT_EQ(again->fingerprint(), ranker->fingerprint()) << "the same folder, the same identity";
  EXPECT_NE(make_judge(synthetic)->fingerprint(), ranker->fingerprint());
  const auto scores = ranker->logit_matrices({{"<s>[INST] Hi [/INST]", {"Hello!", "Go away.", "Hi."}}});
  ASSERT_EQ(scores.size(), 1u);
  ASSERT_EQ(scores[0].size(), 9u);
  for (int a = 0; a < 3; ++a) EXPECT_EQ(scores[0][a * 3 + a], 0.0f);

  pairrm.ranker.path = test::fixtures() + "/missing";
  EXPECT_THROW(make_judge(pairrm), Error);
}

}  // namespace
}  // namespace sppo
