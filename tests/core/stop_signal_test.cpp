#include "core/stop_signal.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>

namespace sppo {
namespace {

TEST(StopSignal, Sigusr1AndSigtermAreNotedAndNamedAndTheOldHandlersComeBack) {
  for (int sig : {SIGUSR1, SIGTERM}) {
    SCOPED_TRACE(sig == SIGUSR1 ? "SIGUSR1" : "SIGTERM");
    struct sigaction before {};
    sigaction(sig, nullptr, &before);
    {
      const StopSignal stop;
      EXPECT_FALSE(stop.requested());
      EXPECT_STREQ(stop.name(), "");
      std::raise(sig);  // the process goes on: the stages stop at their next safe point
      EXPECT_TRUE(stop.requested());
      EXPECT_STREQ(stop.name(), sig == SIGUSR1 ? "SIGUSR1" : "SIGTERM");
    }
    struct sigaction after {};
    sigaction(sig, nullptr, &after);
    EXPECT_EQ(after.sa_handler, before.sa_handler) << "restored";
    const StopSignal fresh;
    EXPECT_FALSE(fresh.requested()) << "a new job starts without an old signal";
  }
}

}  // namespace
}  // namespace sppo
