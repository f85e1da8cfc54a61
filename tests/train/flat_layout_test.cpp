#include "train/flat_layout.hpp"

#include <gtest/gtest.h>

namespace sppo {
namespace {

TEST(FlatLayout, OffsetsPaddingAndOwnershipFromATable) {
  struct Case {
    std::vector<int64_t> numels;
    int64_t world, padded, shard;
  };
  for (const Case& c : {Case{{6, 4}, 1, 10, 10}, Case{{6, 4}, 2, 10, 5}, Case{{6, 4}, 3, 12, 4}, Case{{7}, 4, 8, 2},
                        Case{{1}, 3, 3, 1}, Case{{}, 2, 2, 1}}) {
    const FlatLayout l(c.numels, c.world);
    EXPECT_EQ(l.padded_numel(), c.padded) << c.world;
    EXPECT_EQ(l.shard_numel(), c.shard) << c.world;
    EXPECT_EQ(l.padded_numel() % c.world, 0);
    int64_t covered = 0;
    for (int64_t r = 0; r < c.world; ++r) {
      EXPECT_EQ(l.shard_end(r) - l.shard_begin(r), c.shard);
      covered += l.real_end(r) - l.real_begin(r);
    }
    EXPECT_EQ(covered, l.numel()) << "every real element is owned exactly once";
  }
  const FlatLayout l({6, 4, 5}, 3);
  EXPECT_EQ(l.offset(0), 0);
  EXPECT_EQ(l.offset(1), 6);
  EXPECT_EQ(l.offset(2), 10);
  EXPECT_EQ(l.numel(), 15);
  // world 4, 15 elements: padded 16, the last rank owns 3 real elements and 1 of padding.
  const FlatLayout p({15}, 4);
  EXPECT_EQ(p.real_begin(3), 12);
  EXPECT_EQ(p.real_end(3), 15);
  EXPECT_THROW(FlatLayout({1}, 0), std::exception);
}

}  // namespace
}  // namespace sppo
