#include "core/error.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace sppo {
namespace {

TEST(Error, IoErrorsNameThePathAndKindsAreErrors) {
  try {
    throw_io_error("/x/y", "open", ENOENT);
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), "/x/y: open failed: No such file or directory");
  }
  // Every kind is an sppo::Error, which main catches once.
  EXPECT_THROW(throw ConfigError("c"), Error);
  EXPECT_THROW(throw FormatError("f"), Error);
  EXPECT_THROW(throw DistError("d"), Error);
  const CollectiveError c("every rank", 2);
  EXPECT_EQ(c.rank(), 2);
  EXPECT_EQ(std::string(c.what()), "every rank");
}

}  // namespace
}  // namespace sppo
