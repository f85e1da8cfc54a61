#include "core/error.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace sppo {
namespace {

TEST(Error, ContextAndKinds) {
  EXPECT_EQ(in_context("config.yaml", "bad"), "config.yaml: bad");
  EXPECT_EQ(in_context("", "bad"), "bad");
  try {
    throw_io_error("/x/y", "open", ENOENT);
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), "/x/y: open failed: No such file or directory");
  }
  // Every kind is an sppo::Error, which main catches once.
  EXPECT_THROW(throw ConfigError("c"), Error);
  EXPECT_THROW(throw FormatError("f"), Error);
  EXPECT_THROW(throw DistError("d"), Error);
}

}  // namespace
}  // namespace sppo
