#include "core/counter_rng.hpp"

#include <gtest/gtest.h>

#include <set>

namespace sppo {
namespace {

TEST(CounterRng, PhiloxKnownAnswer) {
  // Known-answer vectors of Philox-4x32-10 from the Random123 distribution (kat_vectors).
  EXPECT_EQ(philox4x32({0, 0, 0, 0}, {0, 0}), (std::array<uint32_t, 4>{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
  EXPECT_EQ(philox4x32({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu}),
            (std::array<uint32_t, 4>{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
  EXPECT_EQ(philox4x32({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u}),
            (std::array<uint32_t, 4>{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}));
}

TEST(CounterRng, PureFunctionOfItsKey) {
  const SampleStream s{42, 1};
  EXPECT_EQ(sample_uniform(s, 7, 3, 11), sample_uniform(s, 7, 3, 11));
  std::set<double> distinct;
  for (uint64_t prompt : {0ull, 1ull, 1ull << 40})
    for (uint32_t k : {0u, 1u})
      for (uint32_t step : {0u, 1u}) distinct.insert(sample_uniform(s, prompt, k, step));
  distinct.insert(sample_uniform({43, 1}, 0, 0, 0));
  distinct.insert(sample_uniform({42, 2}, 0, 0, 0));
  EXPECT_EQ(distinct.size(), 14u) << "every coordinate of the key changes the draw";
}

TEST(CounterRng, UniformOnZeroOne) {
  const SampleStream s{1, 1};
  double sum = 0, sum_sq = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const double u = sample_uniform(s, static_cast<uint64_t>(i), 0, 0);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum_sq += u * u;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.005);
  EXPECT_NEAR(sum_sq / n - (sum / n) * (sum / n), 1.0 / 12, 0.002);
}

}  // namespace
}  // namespace sppo
