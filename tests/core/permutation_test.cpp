#include "core/permutation.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace sppo {
namespace {

TEST(Permutation, IsAPermutationFixedBySeedAndStream) {
  const auto a = seeded_permutation(50, 7, 0), b = seeded_permutation(50, 7, 0);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, seeded_permutation(50, 7, 1));
  EXPECT_NE(a, seeded_permutation(50, 8, 0));
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(sorted[static_cast<std::size_t>(i)], i);
  EXPECT_TRUE(seeded_permutation(0, 1, 1).empty());
}

}  // namespace
}  // namespace sppo
