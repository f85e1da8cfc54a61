#include "core/log.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace sppo {
namespace {

TEST(Log, InfoFromRankZeroOnlyWarningsFromEveryRank) {
  std::ostringstream zero, one;
  Log log0(zero, 0), log1(one, 1);
  log0.info("hello");
  log1.info("hello");
  log1.warn("careful");
  log1.error("broken");
  EXPECT_NE(zero.str().find("[rank 0] info: hello\n"), std::string::npos) << zero.str();
  EXPECT_EQ(one.str().find("hello"), std::string::npos) << one.str();
  EXPECT_NE(one.str().find("[rank 1] warn: careful\n"), std::string::npos);
  EXPECT_NE(one.str().find("[rank 1] error: broken\n"), std::string::npos);
}

TEST(Log, AllRanksAndLevels) {
  std::ostringstream out;
  Log log(out, 3, /*all_ranks=*/true, LogLevel::warn);
  log.info("dropped by level");
  log.warn("kept");
  log.info_any_rank("dropped too");
  EXPECT_EQ(out.str().find("dropped"), std::string::npos);
  EXPECT_NE(out.str().find("[rank 3] warn: kept"), std::string::npos);
  std::ostringstream verbose;
  Log all(verbose, 2, true, LogLevel::debug);
  all.debug("d");
  EXPECT_NE(verbose.str().find("[rank 2] debug: d"), std::string::npos);
  EXPECT_TRUE(all.prints_info());
}

}  // namespace
}  // namespace sppo
