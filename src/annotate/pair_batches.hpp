#pragma once
// defines: score_pair_rows, PairRM over many ordered pairs, packed into batches by length.
#include <cstdint>
#include <vector>

#include "model/pairrm.hpp"

namespace sppo {

// Padded tokens per batch beyond which a batch is not grown: on CPU the attention's
// [rows, heads, L, L] and [rows, heads, L, 2 x buckets] intermediates of long rows fall out of
// cache, and bench_annotate measured 600-token pairs at half the speed in batches of 16
// than one by one; short rows still batch up to batch_rows.
constexpr int64_t kPairBatchTokens = 1024;

// Logits of every row (each a pair_row), computed in batches of similar length (rows sorted
// by length, each batch padded to its longest row) of at most `batch_rows` rows and, past
// one row, at most `max_batch_tokens` padded tokens. The batches depend only on the rows,
// so the result does too. With parts > 1 only batches b with b % parts == part are computed
// (the rows of the others get −0.0, the additive identity): ranks sharing the rows split the
// work without changing any batch, so the sum of the parts is the one-rank result to the bit.
std::vector<float> score_pair_rows(const PairRanker& ranker, const std::vector<std::vector<int32_t>>& rows,
                                   int64_t batch_rows, int64_t max_batch_tokens = kPairBatchTokens, int part = 0,
                                   int parts = 1);

}  // namespace sppo
