#include "annotate/synthetic_judge.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "annotate/win_rates.hpp"
#include "core/config.hpp"

namespace sppo {
namespace {

RankerConfig rps() {
  return parse_config("ranker: {type: synthetic, rule: matrix, answers: [rock, paper, scissors], "
                      "matrix: [[0.5, 0.3, 0.9], [0.7, 0.5, 0.4], [0.1, 0.6, 0.5]]}\n",
                      "rps.yaml")
      .ranker;
}

TEST(SyntheticJudge, MatrixRuleGivesBackThePreferenceThroughDirectWinRates) {
  const SyntheticJudge judge(rps());
  const auto M = judge.logit_matrices({{"src", {"rock", " paper\n", "scissors"}}})[0];
  ASSERT_EQ(M.size(), 9u);
  EXPECT_EQ(M[0], 0.0f);
  // direct: P[i][j] = σ((M[i,j] − M[j,i]) / 2) must be the matrix entry itself.
  auto p = [&](int i, int j) { return 1 / (1 + std::exp(-(M[i * 3 + j] - M[j * 3 + i]) / 2.0)); };
  EXPECT_NEAR(p(0, 2), 0.9, 1e-6);
  EXPECT_NEAR(p(1, 0), 0.7, 1e-6);
  EXPECT_NEAR(p(2, 1), 0.6, 1e-6);
  const auto w = win_rates(M.data(), 3, WinrateMode::direct);
  EXPECT_NEAR(w[0], (0.5 + 0.3 + 0.9) / 3, 1e-6);
  EXPECT_NEAR(w[1], (0.7 + 0.5 + 0.4) / 3, 1e-6);
}

TEST(SyntheticJudge, AnythingOutsideTheAnswersLosesToThemAndTiesWithItsKind) {
  const SyntheticJudge judge(rps());
  EXPECT_EQ(judge.answer_index("  scissors "), 2);
  EXPECT_EQ(judge.answer_index("Rock"), -1);
  EXPECT_GT(judge.logit("paper", "lizard"), 10.0);
  EXPECT_LT(judge.logit("", "rock"), -10.0);
  EXPECT_EQ(judge.logit("lizard", "spock"), 0.0);
}

TEST(SyntheticJudge, LengthAndKeywordRules) {
  RankerConfig length;
  length.type = RankerType::synthetic;
  length.rule = SyntheticRule::length;
  length.scale = 0.5;
  EXPECT_DOUBLE_EQ(SyntheticJudge(length).logit("one two three", "one"), 1.0);
  RankerConfig keyword = length;
  keyword.rule = SyntheticRule::keyword;
  keyword.keywords = {"please", "Thanks"};
  keyword.scale = 2.0;
  EXPECT_DOUBLE_EQ(SyntheticJudge(keyword).logit("Please help, thanks!", "help"), 4.0);
  EXPECT_DOUBLE_EQ(SyntheticJudge(keyword).logit("x", "please"), -2.0);
}

// Shares of one call: every pair in exactly one, −0.0 elsewhere, summing to the whole call.
TEST(SyntheticJudge, SharesSumToTheWholeCall) {
  RankerConfig c;
  c.type = RankerType::synthetic;
  c.rule = SyntheticRule::length;
  c.scale = -0.5;  // equal lengths give −0.0 itself, which the sum must keep
  const SyntheticJudge judge(c);
  const std::vector<JudgeItem> items{{"s", {"a b", "c d", "e f g"}}, {"t", {"x", "y z", "w"}}};
  const auto whole = judge.logit_matrices(items);
  std::vector<std::vector<float>> sum(whole.size(), std::vector<float>(9, -0.0f));
  for (int part = 0; part < 2; ++part) {
    const auto share = judge.logit_matrices(items, JudgeShare{part, 2});
    for (std::size_t i = 0; i < items.size(); ++i)
      for (std::size_t e = 0; e < 9; ++e) sum[i][e] += share[i][e];
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(std::memcmp(sum[i].data(), whole[i].data(), 9 * sizeof(float)), 0) << "item " << i;
    for (std::size_t a = 0; a < 3; ++a) EXPECT_FALSE(std::signbit(sum[i][a * 4])) << "the diagonal stays +0";
  }
}

TEST(SyntheticJudge, FingerprintFollowsTheRule) {
  RankerConfig a = rps(), b = rps();
  EXPECT_EQ(SyntheticJudge(a).fingerprint(), SyntheticJudge(b).fingerprint());
  b.matrix[0][1] = 0.31;
  EXPECT_NE(SyntheticJudge(a).fingerprint(), SyntheticJudge(b).fingerprint());
  EXPECT_GT(SyntheticJudge(a).fingerprint(), 0);
}

}  // namespace
}  // namespace sppo
