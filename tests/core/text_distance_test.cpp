#include "core/text_distance.hpp"

#include <gtest/gtest.h>

namespace sppo {
namespace {

TEST(TextDistance, EditDistanceTable) {
  struct Case { const char* a; const char* b; std::size_t d; };
  for (const Case& c : {Case{"", "", 0}, Case{"abc", "", 3}, Case{"", "ab", 2}, Case{"kitten", "sitting", 3},
                        Case{"top_p", "top_pp", 1}, Case{"beta", "betta", 1}, Case{"flaw", "lawn", 2}}) {
    EXPECT_EQ(edit_distance(c.a, c.b), c.d) << c.a << " / " << c.b;
    EXPECT_EQ(edit_distance(c.b, c.a), c.d) << "symmetry";
  }
}

TEST(TextDistance, ClosestMatchOnlySuggestsPlausibleTypos) {
  const std::vector<std::string> keys{"top_p", "top_k", "temperature", "samples"};
  EXPECT_EQ(closest_match("top_pp", keys).value(), "top_p");
  EXPECT_EQ(closest_match("temprature", keys).value(), "temperature");
  EXPECT_FALSE(closest_match("learning_rate", keys).has_value());
  EXPECT_FALSE(closest_match("x", {}).has_value());
}

}  // namespace
}  // namespace sppo
