#include "annotate/pair_batches.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "test_support.hpp"

namespace sppo {
namespace {

TEST(PairBatches, BatchedScoresEqualOneRowAtATime) {
  const PairRanker ranker = PairRanker::load(test::fixtures() + "/ranker-f32", at::kFloat);
  std::vector<std::vector<int32_t>> rows;
  const char* texts[] = {"short", "a somewhat longer answer about the sea", "yes", "the capital of France is Paris, of course",
                         "I do not know"};
  for (const char* a : texts)
    for (const char* b : texts)
      if (a != b) rows.push_back(ranker.tokenizer().pair_row("What is it?", a, b));
  const auto batched = score_pair_rows(ranker, rows, 7);  // batches of mixed lengths, padded
  const auto single = score_pair_rows(ranker, rows, 1);
  const auto token_capped = score_pair_rows(ranker, rows, 20, /*max_batch_tokens=*/60);  // 1-2 rows per batch
  ASSERT_EQ(batched.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_NEAR(batched[i], single[i], 1e-5) << "row " << i;
    EXPECT_NEAR(token_capped[i], single[i], 1e-5) << "row " << i;
  }
}

// Two and three ranks' shares of the same rows: each leaves the others' rows at −0.0, and
// their sum is the one-rank result to the bit.
TEST(PairBatches, SharesSumToTheWholeToTheBit) {
  const PairRanker ranker = PairRanker::load(test::fixtures() + "/ranker-f32", at::kFloat);
  std::vector<std::vector<int32_t>> rows;
  const char* texts[] = {"short", "a somewhat longer answer about the sea", "yes", "the capital of France is Paris"};
  for (const char* a : texts)
    for (const char* b : texts)
      if (a != b) rows.push_back(ranker.tokenizer().pair_row("What is it?", a, b));
  const auto whole = score_pair_rows(ranker, rows, 3);
  for (int parts : {2, 3}) {
    std::vector<float> sum(rows.size(), -0.0f);
    for (int part = 0; part < parts; ++part) {
      const auto share = score_pair_rows(ranker, rows, 3, kPairBatchTokens, part, parts);
      int64_t computed = 0;
      for (std::size_t i = 0; i < rows.size(); ++i) {
        computed += !(share[i] == 0.0f && std::signbit(share[i]));
        sum[i] += share[i];
      }
      EXPECT_GT(computed, 0) << "part " << part << " of " << parts << " computed nothing";
      EXPECT_LT(computed, static_cast<int64_t>(rows.size()));
    }
    EXPECT_EQ(std::memcmp(sum.data(), whole.data(), sum.size() * sizeof(float)), 0) << parts << " parts";
  }
}

}  // namespace
}  // namespace sppo
