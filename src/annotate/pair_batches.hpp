#pragma once
// defines: score_pair_rows, PairRM over many ordered pairs, packed into batches by length.
#include <cstdint>
#include <vector>

#include "model/pairrm.hpp"

namespace sppo {

// Logits of every row (each a pair_row), computed in batches of at most `batch_rows` rows of
// similar length (rows sorted by length, each batch padded to its longest row). The batches
// depend only on the rows, so the result does too.
std::vector<float> score_pair_rows(const PairRanker& ranker, const std::vector<std::vector<int32_t>>& rows,
                                   int64_t batch_rows);

}  // namespace sppo
