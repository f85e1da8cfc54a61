#pragma once
// defines: prompt_fold, the prompts iteration t of `sppo run` trains on: the prompt set split
// into T disjoint folds by one seeded permutation (the paper's 3-fold split), so no prompt is
// used twice and the folds depend on (prompt count, T, run.seed) only.
#include <cstdint>
#include <vector>

namespace sppo {

// Indices into the prompt file, ascending; fold f of `folds` holds positions
// [f·n/T, (f+1)·n/T) of the permutation. Throws ConfigError when there are fewer prompts than folds.
std::vector<int64_t> prompt_fold(int64_t prompts, int64_t folds, uint64_t seed, int64_t fold);

}  // namespace sppo
