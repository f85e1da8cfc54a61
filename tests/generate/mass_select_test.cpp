#include "generate/mass_select.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace sppo {
namespace {

// Probabilities spread over many magnitudes, with runs of exactly equal values (ties).
std::vector<float> spread_row(int64_t vocab, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 2.5f);
  std::vector<float> p(static_cast<std::size_t>(vocab));
  double total = 0;
  for (auto& x : p) total += x = std::exp(normal(rng));
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<float>(p[i] / total);
  for (std::size_t i = 0; i + 7 < p.size(); i += 97) std::fill(p.begin() + static_cast<long>(i), p.begin() + static_cast<long>(i) + 7, p[i]);
  return p;
}

// The answer by definition: the members sorted, the cumulative mass taken one by one.
Candidate by_sorting(std::vector<Candidate> members, double mass_before, double target, bool strict) {
  std::sort(members.begin(), members.end(), before);
  double within = 0;
  for (const Candidate& c : members) {
    within += c.p;
    if (strict ? mass_before + within > target : mass_before + within >= target) return c;
  }
  return members.back();
}

TEST(MassBuckets, FillSumsEachBucketExactlyWhateverTheOrder) {
  const std::vector<float> p = spread_row(32001, 3);  // odd: the last element has no partner
  MassBuckets forward, backward;
  forward.fill(p.data(), static_cast<int64_t>(p.size()));
  std::vector<float> reversed(p.rbegin(), p.rend());
  backward.fill(reversed.data(), static_cast<int64_t>(reversed.size()));
  std::vector<double> mass(MassBuckets::kBuckets, 0.0);
  for (float x : p) mass[MassBuckets::bucket_of(x)] += x;
  int non_empty = 0;
  for (int b = 0; b < MassBuckets::kBuckets; ++b) {
    EXPECT_EQ(forward.mass(b), mass[static_cast<std::size_t>(b)]) << "bucket " << b;  // to the bit
    EXPECT_EQ(backward.mass(b), forward.mass(b)) << "bucket " << b;
    non_empty += forward.mass(b) > 0;
  }
  EXPECT_GT(non_empty, 100);
}

// Reused row after row, the buckets hold only the last row's masses: a wide row, a row of NaN
// (whose buckets must be cleared too), then a narrow one, against a fresh MassBuckets.
TEST(MassBuckets, ReusedForAnotherRowHoldsOnlyThatRowsMasses) {
  const std::vector<float> wide = spread_row(5000, 5);
  const std::vector<float> nan_row(300, std::nanf(""));
  const std::vector<float> narrow{0.4f, 0.35f, 0.25f};
  MassBuckets reused, fresh;
  reused.fill(wide.data(), static_cast<int64_t>(wide.size()));
  reused.fill(nan_row.data(), static_cast<int64_t>(nan_row.size()));
  double above = 0;
  EXPECT_EQ(reused.find(0.5, /*strict=*/false, &above), -1);  // NaN mass reaches no target
  reused.fill(narrow.data(), 3);
  fresh.fill(narrow.data(), 3);
  for (int b = 0; b < MassBuckets::kBuckets; ++b)
    EXPECT_EQ(reused.mass(b), fresh.mass(b)) << "bucket " << b;  // to the bit, zero elsewhere
  EXPECT_EQ(reused.lowest(), static_cast<int>(MassBuckets::bucket_of(0.25f)));
  EXPECT_EQ(reused.find(0.5, /*strict=*/false, &above), static_cast<int>(MassBuckets::bucket_of(0.35f)));
  EXPECT_DOUBLE_EQ(above, 0.4f);
  EXPECT_EQ(reused.mass_above(reused.lowest()), fresh.mass_above(fresh.lowest()));
}

TEST(MassBuckets, FindWalksFromTheLargestProbabilities) {
  const std::vector<float> p{0.5f, 0.3f, 0.15f, 0.05f};
  MassBuckets buckets;
  buckets.fill(p.data(), 4);
  double above = -1;
  EXPECT_EQ(buckets.find(0.5, /*strict=*/false, &above), static_cast<int>(MassBuckets::bucket_of(0.5f)));
  EXPECT_EQ(above, 0.0);
  EXPECT_EQ(buckets.find(0.5, /*strict=*/true, &above), static_cast<int>(MassBuckets::bucket_of(0.3f)));
  EXPECT_DOUBLE_EQ(above, 0.5);
  EXPECT_EQ(buckets.find(2.0, /*strict=*/false, &above), -1);  // never reached: the whole mass
  EXPECT_NEAR(above, 1.0, 1e-7);
  EXPECT_EQ(buckets.lowest(), static_cast<int>(MassBuckets::bucket_of(0.05f)));
  EXPECT_NEAR(buckets.mass_above(buckets.lowest()), 0.95, 1e-7);
}

int64_t members_of(const std::vector<float>& p, int b) {
  return std::count_if(p.begin(), p.end(), [b](float x) { return MassBuckets::bucket_of(x) == static_cast<uint32_t>(b); });
}

TEST(GatherBuckets, OnePassCollectsTheEdgeAndARangeOfOthersInIdOrder) {
  const std::vector<float> p = spread_row(5000, 4);
  MassBuckets buckets;
  buckets.fill(p.data(), 5000);
  double above = 0;
  const int edge = buckets.find(0.5, false, &above);
  std::vector<int32_t> ids;
  std::vector<Candidate> edge_members, others;
  gather_buckets(p.data(), 5000, edge, edge - 3, edge + 4, ids, edge_members, others);
  ASSERT_EQ(static_cast<int64_t>(edge_members.size()), members_of(p, edge));
  int64_t expected_others = 0;
  for (int b = edge - 3; b <= edge + 4; ++b) expected_others += b == edge ? 0 : members_of(p, b);
  ASSERT_EQ(static_cast<int64_t>(others.size()), expected_others);
  for (std::size_t i = 0; i < edge_members.size(); ++i) {
    EXPECT_EQ(edge_members[i].p, p[static_cast<std::size_t>(edge_members[i].id)]);
    if (i > 0) {
      EXPECT_LT(edge_members[i - 1].id, edge_members[i].id);
    }
  }
  for (std::size_t i = 1; i < others.size(); ++i) EXPECT_LT(others[i - 1].id, others[i].id);
  keep_bucket(others, edge + 2);
  EXPECT_EQ(static_cast<int64_t>(others.size()), members_of(p, edge + 2));
  gather_buckets(p.data(), 5000, edge, edge + 1, edge, ids, edge_members, others);  // an empty range
  EXPECT_TRUE(others.empty());
  EXPECT_EQ(static_cast<int64_t>(edge_members.size()), members_of(p, edge));
}

// Buckets of every size, from a few members (sorted at once) to thousands (split by digits),
// ties included, at targets that fall anywhere in the bucket and beyond it.
TEST(SelectInBucket, PicksWhatSortingPicks) {
  const std::vector<float> p = spread_row(32000, 5);
  MassBuckets buckets;
  buckets.fill(p.data(), 32000);
  int tried = 0;
  std::vector<int32_t> ids;
  std::vector<Candidate> members, unused;
  for (int b = 0; b < MassBuckets::kBuckets; ++b) {
    if (buckets.mass(b) == 0) continue;
    gather_buckets(p.data(), 32000, b, 1, 0, ids, members, unused);
    const double mass_before = buckets.mass_above(b);
    for (double share : {0.0, 0.001, 0.37, 0.5, 0.93, 1.0, 1.5})
      for (bool strict : {false, true}) {
        const double target = mass_before + share * buckets.mass(b);
        std::vector<Candidate> work = members;
        const Selection s = select_in_bucket(work, mass_before, target, strict);
        const Candidate expected = by_sorting(members, mass_before, target, strict);
        ASSERT_EQ(s.chosen.id, expected.id) << "bucket " << b << " of " << members.size() << ", share " << share;
        double within = 0;  // the mass from the bucket's top through the chosen one
        for (const Candidate& c : members)
          if (!before(s.chosen, c)) within += c.p;
        EXPECT_EQ(s.within, within);
        ++tried;
      }
  }
  EXPECT_GT(tried, 100);
}

TEST(SelectInBucket, EqualProbabilitiesGoByIdAscending) {
  std::vector<Candidate> members;
  for (int32_t id = 999; id >= 0; --id) members.push_back({0.001f, id});  // one value, 1000 ids
  const Selection s = select_in_bucket(members, 0.0, 0.0105, /*strict=*/true);  // the 11th
  EXPECT_EQ(s.chosen.id, 10);
}

}  // namespace
}  // namespace sppo
