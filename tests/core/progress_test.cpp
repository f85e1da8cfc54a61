#include "core/progress.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace sppo {
namespace {

TEST(Progress, FormatsCountRateAndEta) {
  EXPECT_EQ(format_progress(0, 500, 0.0, "chunks"), "0/500 chunks (0.0%)");
  EXPECT_EQ(format_progress(120, 500, 60.0, "chunks"), "120/500 chunks (24.0%), 2.00 chunks/s, ETA 3m10s");
  EXPECT_EQ(format_progress(500, 500, 250.0, "chunks"), "500/500 chunks (100.0%), 2.00 chunks/s, took 4m10s");
  EXPECT_EQ(format_duration(59.4), "59s");
  EXPECT_EQ(format_duration(3600 + 180), "1h03m");
  EXPECT_EQ(format_duration(2 * 86400 + 5 * 3600), "2d05h");
  EXPECT_EQ(format_duration(-1), "?");
}

TEST(Progress, PrintsAtMostOncePerIntervalAndAlwaysAtTheEnd) {
  std::ostringstream out;
  Log log(out, 0);
  double now = 0;
  Progress progress(log, "generate", 10, "prompts", 5.0, [&] { return now; });
  now = 1;
  progress.advance(1);  // too soon
  now = 6;
  progress.advance(2);  // prints: 3/10
  now = 7;
  progress.advance(3);  // too soon
  now = 8;
  progress.set_done(10);
  progress.finish();
  progress.finish();  // once only
  const std::string text = out.str();
  EXPECT_EQ(text.find("1/10"), std::string::npos) << text;
  EXPECT_NE(text.find("generate: 3/10 prompts (30.0%), 0.50 prompts/s, ETA 14s"), std::string::npos) << text;
  EXPECT_NE(text.find("generate: 10/10 prompts (100.0%), 1.25 prompts/s, took 8s"), std::string::npos) << text;
  EXPECT_EQ(text.find("10/10", text.find("10/10") + 1), std::string::npos) << "finish printed twice";
}

}  // namespace
}  // namespace sppo
