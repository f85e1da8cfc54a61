// The chaos test: `sppo run` at 2 or 3 ranks, SIGKILLed (one random rank, or the whole job)
// at random moments, rerun after each kill until it finishes; then samples.h5 data must be
// byte-identical and the exported weights within 1e-5 of an uninterrupted run. ctest runs the
// short version (SPPO_CHAOS_KILLS unset: 3 kills); scripts/chaos the long one.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <thread>

#include "pipeline/tiny_run.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

// The stage the log's last stage line names: what the kill interrupted.
std::string last_stage(const std::string& log) {
  static const char* stages[] = {"generate", "annotate", "reference", "train", "eval", "run"};
  std::size_t best = 0;
  std::string found = "start-up";
  for (const char* s : stages) {
    const auto at = log.rfind(std::string("info: ") + s + ":");
    if (at != std::string::npos && at >= best) best = at, found = s;
  }
  return found;
}

TEST(Chaos, KillsAnywhereAndRerunsEndAsAnUninterruptedRun) {
  const int target = env_int("SPPO_CHAOS_KILLS", 3);
  std::mt19937 rng(static_cast<unsigned>(env_int("SPPO_CHAOS_SEED", 2026)));
  const std::vector<std::string> longer{"--set", "train.epochs=8"};
  test::TempDir reference;
  double seconds = 0;  // of an uninterrupted run: the kills are drawn within it
  {
    std::vector<std::string> args{"run", "--config", test::write_config(reference)};
    args.insert(args.end(), longer.begin(), longer.end());
    const auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(test::run_process(test::mpi_sppo(2, args)).exit_code, 0);
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("uninterrupted run: %.1f s\n", seconds);
  }
  int kills = 0, rounds = 0;
  std::map<std::string, int> where;
  while (kills < target) {
    ++rounds;
    test::TempDir dir;
    const std::string config = write_config(dir), log = dir.file("log");
    for (int attempt = 0;; ++attempt) {
      ASSERT_LT(attempt, 50) << "the run never finished";
      const int ranks = std::uniform_int_distribution<int>(2, 3)(rng);
      std::vector<std::string> args{"run", "--config", config};
      args.insert(args.end(), longer.begin(), longer.end());
      test::write_file(log, "");
      const int launcher = test::spawn_in_group(test::mpi_sppo(ranks, args), log);
      const int ms = std::uniform_int_distribution<int>(600, 300 + static_cast<int>(1000 * seconds))(rng);
      int status = 0;
      bool finished = false;
      for (int waited = 0; waited < ms && !finished; waited += 20) {
        finished = waitpid(launcher, &status, WNOHANG) != 0;
        if (!finished) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (finished) {
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << test::read_file(log);
        break;
      }
      // A kill drawn just before the ranks start or just after they exit finds no rank to kill
      // (the launcher has no child then): the whole job is killed instead.
      const bool whole_job = std::uniform_int_distribution<int>(0, 1)(rng) == 1 || test::first_rank(launcher) <= 0;
      const std::string stage = last_stage(test::read_file(log));
      if (whole_job) {
        test::kill_job(launcher, config);
      } else {
        EXPECT_TRUE(test::kill_one_rank_and_wait(launcher, config)) << "the other ranks did not end";
      }
      ++kills;
      ++where[stage];
      std::printf("kill %d (round %d, %d ranks, %s) after %d ms, in %s\n", kills, rounds, ranks,
                  whole_job ? "whole job" : "one rank", ms, stage.c_str());
    }
    test::expect_same_results(dir.file("runs/t"), reference.file("runs/t"));
    if (::testing::Test::HasFailure()) break;
  }
  std::string summary;
  for (const auto& [stage, n] : where) summary += " " + stage + "=" + std::to_string(n);
  std::printf("%d kills in %d rounds:%s\n", kills, rounds, summary.c_str());
  EXPECT_GE(kills, target);
}

}  // namespace
}  // namespace sppo
