#include "pipeline/folds.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"
#include "core/permutation.hpp"

namespace sppo {

std::vector<int64_t> prompt_fold(int64_t prompts, int64_t folds, uint64_t seed, int64_t fold) {
  if (folds < 1 || fold < 0 || fold >= folds) throw ConfigError("fold " + std::to_string(fold) + " of " + std::to_string(folds));
  if (prompts < folds)
    throw ConfigError("data.prompts: " + std::to_string(prompts) + " prompts cannot be split into run.iterations = " +
                      std::to_string(folds) + " folds");
  constexpr uint64_t kFoldStream = 0xF01D5u;  // distinct from the trainer's epoch streams
  const std::vector<int64_t> order = seeded_permutation(prompts, seed, kFoldStream);
  std::vector<int64_t> out(order.begin() + fold * prompts / folds, order.begin() + (fold + 1) * prompts / folds);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sppo
