#include "io/fingerprint.hpp"

#include <gtest/gtest.h>

namespace sppo {
namespace {

TEST(Fingerprint, Fnv1aKnownValues) {
  EXPECT_EQ(Fingerprint().hex(), "cbf29ce484222325");
  EXPECT_EQ(Fingerprint().add(std::string_view("a")).hex(), "af63dc4c8601ec8c");
  EXPECT_EQ(Fingerprint().add(std::string_view("foobar")).hex(), "85944171f73967e8");
}

}  // namespace
}  // namespace sppo
