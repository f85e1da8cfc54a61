#include "annotate/pair_batches.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sppo
