// `mpiexec -n 2 sppo run` on tiny Gemma-2 and Qwen2 policies that `sppo init-model` builds
// (their own tokenizers and chat templates): the run completes with its report, and one chaos
// round (SIGKILL mid-run, rerun until done) ends with the bytes and weights of the
// uninterrupted run. The Llama/Mistral path has the long chaos test (chaos_test.cpp).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <random>
#include <thread>

#include "pipeline/tiny_run.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

class FamilyRun : public ::testing::TestWithParam<std::string> {};

TEST_P(FamilyRun, CompletesWithAReportAndSurvivesAKillAndRerun) {
  const std::string policy = test::tiny_family_policy(GetParam());
  test::TempDir reference;
  const auto start = std::chrono::steady_clock::now();
  const auto r = test::run_process(test::mpi_sppo(2, {"run", "--config", test::write_config_with_policy(reference, policy)}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string report = test::read_file(reference.file("runs/t/report.md"));
  EXPECT_NE(report.find("| π_2 | iter-1 | "), std::string::npos) << report;

  // One chaos round: the kill lands somewhere in the middle of the run (seeded per family).
  std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(GetParam())));
  test::TempDir dir;
  const std::string config = test::write_config_with_policy(dir, policy), log = dir.file("log");
  bool killed = false;
  for (int attempt = 0;; ++attempt) {
    ASSERT_LT(attempt, 10) << "the run never finished";
    const int launcher = test::spawn_in_group(test::mpi_sppo(2, {"run", "--config", config}), log);
    if (!killed) {
      const int ms = std::uniform_int_distribution<int>(static_cast<int>(200 * seconds), static_cast<int>(600 * seconds))(rng);
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      int status = 0;
      if (waitpid(launcher, &status, WNOHANG) == 0) {
        if (GetParam() == "gemma2") test::kill_job(launcher, config);
        else EXPECT_TRUE(test::kill_one_rank_and_wait(launcher, config)) << "the other rank did not end";
        killed = true;
        std::printf("%s: killed after %d ms of a %.1f s run\n", GetParam().c_str(), ms, seconds);
        continue;
      }
      killed = true;  // it finished first: the comparison below still holds
      std::printf("%s: finished within %d ms, before the kill\n", GetParam().c_str(), ms);
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << test::read_file(log);
      break;
    }
    int status = 0;
    waitpid(launcher, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << test::read_file(log);
    break;
  }
  test::expect_same_results(dir.file("runs/t"), reference.file("runs/t"));
}

INSTANTIATE_TEST_SUITE_P(Families, FamilyRun, ::testing::Values("gemma2", "qwen2"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sppo
