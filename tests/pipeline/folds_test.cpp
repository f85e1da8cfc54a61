#include "pipeline/folds.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/error.hpp"

namespace sppo {
namespace {

TEST(Folds, DisjointCoveringSortedAndSeeded) {
  std::set<int64_t> seen;
  int64_t total = 0;
  for (int64_t f = 0; f < 3; ++f) {
    const auto fold = prompt_fold(100, 3, 42, f);
    EXPECT_TRUE(std::is_sorted(fold.begin(), fold.end()));
    EXPECT_GE(fold.size(), 33u);
    total += static_cast<int64_t>(fold.size());
    seen.insert(fold.begin(), fold.end());
  }
  EXPECT_EQ(total, 100);
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(prompt_fold(100, 3, 42, 1), prompt_fold(100, 3, 42, 1));
  EXPECT_NE(prompt_fold(100, 3, 42, 1), prompt_fold(100, 3, 43, 1));
  EXPECT_EQ(prompt_fold(5, 1, 9, 0), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_THROW(prompt_fold(2, 3, 1, 0), ConfigError);
}

}  // namespace
}  // namespace sppo
