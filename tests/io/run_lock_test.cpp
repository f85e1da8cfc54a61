#include "io/run_lock.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>

#include <sstream>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

// A probe for host "h1", pid 100, Slurm job 7, where `alive` lists the live pids of h1 and
// `running` the live Slurm jobs (nullopt: Slurm cannot be asked).
LockProbe probe(std::vector<int64_t> alive, std::optional<std::vector<std::string>> running = std::vector<std::string>{}) {
  LockProbe p;
  p.self = {"h1", 100, "5000", "7", "sppo run"};
  p.process_alive = [alive](int64_t pid, const std::string&) {
    return std::find(alive.begin(), alive.end(), pid) != alive.end();
  };
  p.slurm_job_running = [running](const std::string& id) -> std::optional<bool> {
    if (!running) return std::nullopt;
    return std::find(running->begin(), running->end(), id) != running->end();
  };
  return p;
}

TEST(RunLock, AHolderIsStaleWhenItsProcessOrSlurmJobIsGone) {
  const LockHolder here{"h1", 42, "10", "", "sppo run"};
  EXPECT_EQ(stale_reason(here, probe({42})), "");
  EXPECT_EQ(stale_reason(here, probe({})), "its process 42 no longer runs on h1");
  const LockHolder there{"h2", 42, "10", "9", "sppo train"};
  EXPECT_EQ(stale_reason(there, probe({}, std::vector<std::string>{"9"})), "");
  EXPECT_EQ(stale_reason(there, probe({}, std::vector<std::string>{})), "its Slurm job 9 no longer runs");
  EXPECT_EQ(stale_reason(there, probe({}, std::nullopt)), "") << "no squeue: cannot tell";
  const LockHolder requeued{"h2", 42, "10", "7", "sppo train"};
  EXPECT_EQ(stale_reason(requeued, probe({}, std::vector<std::string>{"7"})),
            "it is an earlier run of this Slurm job (7, requeued)");
  const LockHolder outside{"h2", 42, "10", "", "sppo run"};
  EXPECT_EQ(stale_reason(outside, probe({})), "") << "another host and no Slurm job: cannot tell";
}

TEST(RunLock, TheFileNamesItsHolderAndRoundTrips) {
  const LockHolder h{"node-3", 4242, "987", "123", "sppo run"};
  EXPECT_EQ(h.describe(), "node-3:4242 (Slurm job 123, sppo run)");
  const LockHolder back = LockHolder::parse(h.file_text(), "x");
  EXPECT_EQ(back.file_text(), h.file_text());
  EXPECT_THROW(LockHolder::parse("garbage", "runs/a/sppo.lock"), FormatError);
}

TEST(RunLock, ASecondJobIsRefusedNamingTheHolderAndTheFileGoesWithTheFirst) {
  test::TempDir dir;
  std::ostringstream out;
  const Log log(out, 0);
  {
    const RunLock first(dir.file("run"), probe({100}), log);
    EXPECT_EQ(test::read_file(dir.file("run/sppo.lock")), probe({}).self.file_text());
    LockProbe other = probe({100});
    other.self.pid = 200;
    try {
      const RunLock second(dir.file("run"), other, log);
      FAIL() << "two jobs held one run directory";
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()), dir.file("run/sppo.lock") +
                                           ": the run directory is in use by h1:100 (Slurm job 7, sppo run); wait for "
                                           "that job to end or stop it");
    }
  }
  EXPECT_FALSE(std::ifstream(dir.file("run/sppo.lock")).good()) << "released at the end";
}

TEST(RunLock, AStaleLockIsTakenOverAndSaidSo) {
  test::TempDir dir;
  test::run_process({"mkdir", dir.file("run")});
  test::write_file(dir.file("run/sppo.lock"), LockHolder{"h1", 55, "1", "", "sppo run"}.file_text());
  std::ostringstream out;
  const Log log(out, 0);
  {
    const RunLock lock(dir.file("run"), probe({100}), log);
    EXPECT_EQ(test::read_file(dir.file("run/sppo.lock")), probe({}).self.file_text());
  }
  EXPECT_NE(out.str().find("run: took over " + dir.file("run/sppo.lock") + " from h1:55 (sppo run): its process 55 no "
                           "longer runs on h1"),
            std::string::npos)
      << out.str();
  // An empty lock (a job killed between creating and writing it) is stale too.
  test::write_file(dir.file("run/sppo.lock"), "");
  EXPECT_NO_THROW(RunLock(dir.file("run"), probe({100}), log));
}

TEST(RunLock, TheSystemProbeSeesThisProcessAliveAndADeadOneGone) {
  const LockProbe p = LockProbe::system("sppo test");
  EXPECT_FALSE(p.self.host.empty());
  EXPECT_TRUE(p.process_alive(p.self.pid, p.self.start_time));
  EXPECT_FALSE(p.process_alive(p.self.pid, p.self.start_time + "0")) << "same pid, another start: reused";
  const int child = test::spawn_in_group({"true"});
  test::run_process({"sleep", "0.3"});
  EXPECT_FALSE(p.process_alive(child, "")) << "exited (a zombie until reaped) is gone";
  waitpid(child, nullptr, 0);
}

}  // namespace
}  // namespace sppo
