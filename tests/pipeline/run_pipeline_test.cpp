// `mpiexec -n 2 sppo run` as users run it, on tiny models `sppo init-model` builds: the
// manifest and the report; a run SIGKILLed at random moments and rerun ends with the bytes
// and weights of an uninterrupted one; a changed finished stage is refused until
// --restart-from names it; `sppo eval` reproduces the run's evaluation.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "pipeline/tiny_run.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

using test::dataset;
using test::expect_same_results;
using test::write_config;


test::ProcessResult run(const std::string& config, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"run", "--config", config};
  args.insert(args.end(), extra.begin(), extra.end());
  return test::run_process(test::mpi_sppo(2, args));
}

// One uninterrupted run, shared by the tests that compare with it.
const std::string& reference_run() {
  static test::TempDir dir;
  static const bool done = [] {
    const auto r = run(write_config(dir));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return true;
  }();
  (void)done;
  return dir.path();
}

TEST(Run, WritesManifestReportAndEveryStagesOutputs) {
  const std::string root = reference_run() + "/runs/t";
  const std::string manifest = test::read_file(root + "/manifest.yaml");
  for (const char* stage : {"iter-0/generate", "iter-0/annotate", "iter-0/train", "iter-0/eval", "iter-1/generate",
                            "iter-1/annotate", "iter-1/train", "iter-1/eval"})
    EXPECT_NE(manifest.find(std::string("stage: ") + stage), std::string::npos) << stage << "\n" << manifest;
  // The folds: 40 prompts in two disjoint halves.
  const auto f0 = dataset<int64_t>(root + "/iter-0/samples.h5", "/prompts/id"),
             f1 = dataset<int64_t>(root + "/iter-1/samples.h5", "/prompts/id");
  EXPECT_EQ(f0.size() + f1.size(), 40u);
  for (auto id : f0) EXPECT_EQ(std::count(f1.begin(), f1.end(), id), 0) << id;
  const std::string report = test::read_file(root + "/report.md");
  EXPECT_NE(report.find("| π_2 | iter-1 | "), std::string::npos) << report;
  EXPECT_NE(report.find("plots/winrate.png"), std::string::npos);
  for (const char* png : {"winrate.png", "loss.png", "logratio.png"})
    EXPECT_EQ(test::read_file(root + "/plots/" + png).substr(1, 3), "PNG") << png;
  const std::string eval = test::read_file(root + "/eval/winrate-2.json");
  EXPECT_NE(eval.find("\"vs_base\""), std::string::npos);
  // A rerun has nothing to do.
  const auto again = run(reference_run() + "/run.yaml");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("0 stage(s) run, 8 already finished"), std::string::npos) << again.err;
  EXPECT_EQ(test::read_file(root + "/manifest.yaml"), manifest);
}

TEST(Run, KilledAtRandomMomentsAndRerunEndsAsAnUninterruptedRun) {
  // Longer training than the other tests, so that the kills find every stage running.
  const std::vector<std::string> longer{"--set", "train.epochs=8"};
  test::TempDir plain;
  ASSERT_EQ(run(write_config(plain), longer).exit_code, 0);
  test::TempDir dir;
  const std::string config = write_config(dir);
  std::mt19937 rng(20261126);
  int kills = 0;
  std::set<int> progress;
  for (int attempt = 0; attempt < 12 && kills < 4; ++attempt) {
    const int launcher = test::spawn_in_group(test::mpi_sppo(2, {"run", "--config", config, longer[0], longer[1]}));
    // Later attempts wait longer (the whole run takes ~6 s here, start-up ~0.7 s), so the kills
    // spread over the stages: generate, annotate, train (checkpoints, export), eval, manifest.
    const int ms = std::uniform_int_distribution<int>(300 + 400 * attempt, 800 + 400 * attempt)(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    int status = 0;
    if (waitpid(launcher, &status, WNOHANG) != 0) break;  // it finished first
    test::kill_job(launcher, config);
    ++kills;
    // How far the run had got: the stages the manifest records.
    std::ifstream manifest(dir.file("runs/t/manifest.yaml"));
    std::string text((std::istreambuf_iterator<char>(manifest)), std::istreambuf_iterator<char>());
    int recorded = 0;
    for (std::size_t at = text.find("stage: "); at != std::string::npos; at = text.find("stage: ", at + 1)) ++recorded;
    progress.insert(recorded);
    std::printf("kill %d after %d ms: %d stage(s) recorded\n", kills, ms, recorded);
  }
  EXPECT_GE(kills, 3) << "the run finished before the kills; the test proves little";
  EXPECT_GE(progress.size(), 2u) << "every kill landed in the same stage";
  const auto r = run(config, longer);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_results(dir.file("runs/t"), plain.file("runs/t"));
}

TEST(Run, AChangedFinishedStageIsRefusedUntilRestartFromNamesIt) {
  test::TempDir dir;
  const std::string config = write_config(dir);
  ASSERT_EQ(run(config).exit_code, 0);
  const std::string root = dir.file("runs/t");
  const std::string manifest = test::read_file(root + "/manifest.yaml");
  const std::string samples0 = test::read_file(root + "/iter-0/samples.h5");
  auto r = run(config, {"--set", "generate.temperature=0.9"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("iter-0/generate finished with other settings: generate.temperature (0.7 -> 0.9)"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--restart-from iter-0/generate"), std::string::npos) << r.err;
  // Found by rank 0 and raised on both ranks together: printed once.
  EXPECT_EQ(r.err.find("finished with other settings", r.err.find("finished with other settings") + 1), std::string::npos)
      << r.err;
  EXPECT_EQ(test::read_file(root + "/manifest.yaml"), manifest);  // nothing touched
  r = run(config, {"--set", "train.lr=1e-3"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("iter-0/train finished with other settings: train.lr (0.003 -> 0.001)"), std::string::npos) << r.err;
  // Restart iteration 1's training with the new learning rate: iteration 0 is kept as it was.
  const std::string policy1 = test::read_file(root + "/iter-1/policy/model.safetensors");
  r = run(config, {"--set", "train.lr=1e-3", "--restart-from", "iter-1/train"});
  EXPECT_EQ(r.exit_code, 1) << "iteration 0's training also changed: still refused";
  EXPECT_NE(r.err.find("iter-0/train finished with other settings"), std::string::npos) << r.err;
  r = run(config, {"--set", "train.lr=1e-3", "--restart-from", "iter-0/train"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(test::read_file(root + "/iter-0/samples.h5").size(), samples0.size());
  EXPECT_EQ(dataset<int32_t>(root + "/iter-0/samples.h5", "/responses/tokens"),
            dataset<int32_t>(reference_run() + "/runs/t/iter-0/samples.h5", "/responses/tokens"));
  EXPECT_NE(test::read_file(root + "/iter-1/policy/model.safetensors"), policy1);
  r = run(config, {"--restart-from", "iter-7/train"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--restart-from iter-7/train: no such stage"), std::string::npos) << r.err;
}

TEST(Run, EvalAloneReproducesTheRunsEvaluation) {
  test::TempDir dir;
  const std::string config = write_config(dir);
  const std::string result = reference_run() + "/runs/t/eval/winrate-2.json";
  const auto before = nlohmann::json::parse(test::read_file(result));
  const auto r = test::run_process(test::mpi_sppo(1, {"eval", "--config", config, "--set",
                                                      "run.dir=" + reference_run() + "/runs", "--set", "run.name=t"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto after = nlohmann::json::parse(test::read_file(result));
  EXPECT_NEAR(after["vs_base"]["win_rate"].get<double>(), before["vs_base"]["win_rate"].get<double>(), 1e-6);
  EXPECT_EQ(after["vs_base"]["wins"], before["vs_base"]["wins"]);
  EXPECT_NEAR(after["vs_previous"]["win_rate"].get<double>(), before["vs_previous"]["win_rate"].get<double>(), 1e-6);
  EXPECT_NE(r.out.find("report: " + reference_run() + "/runs/t/report.md"), std::string::npos) << r.out;
  const auto missing = test::run_process({test::sppo_binary(), "eval", "--config", config});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no trained policy to evaluate"), std::string::npos) << missing.err;
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Two jobs on one run directory: the second stops at once naming the first; when the first
// is killed, the next job takes its stale lock over and says so.
TEST(Run, ASecondJobOnTheSameRunDirectoryIsRefusedAndAStaleLockIsTakenOver) {
  test::TempDir dir;
  const std::string config = write_config(dir), lock = dir.file("runs/t/sppo.lock");
  // Many epochs: the first job is still training when the second one starts and when it is killed.
  const int first = test::spawn_in_group(test::mpi_sppo(2, {"run", "--config", config, "--set", "train.epochs=500"}),
                                         dir.file("first.log"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!std::ifstream(lock).good() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(std::ifstream(lock).good()) << "the first job took no lock";
  const std::string holder = test::read_file(lock);
  const auto second = run(config);
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("error: " + lock + ": the run directory is in use by "), std::string::npos) << second.err;
  EXPECT_NE(second.err.find(" (sppo run); wait for that job to end or stop it"), std::string::npos) << second.err;
  EXPECT_EQ(count(second.err, "sppo: "), 1) << "one line\n" << second.err;
  ASSERT_TRUE(std::ifstream(lock).good()) << "the second job removed the holder's lock\n" << second.err << "\nfirst job:\n"
                                          << test::read_file(dir.file("first.log"));
  EXPECT_EQ(test::read_file(lock), holder) << "the holder's lock is untouched";
  test::kill_job(first, config);
  ASSERT_TRUE(std::ifstream(lock).good()) << test::read_file(dir.file("first.log"));
  EXPECT_EQ(test::read_file(lock), holder) << "a SIGKILLed job leaves its lock";
  const auto third = test::run_process(test::mpi_sppo(2, {"run", "--config", config, "--set", "run.iterations=1",
                                                          "--restart-from", "iter-0/generate"}));
  EXPECT_EQ(third.exit_code, 0) << third.err;
  EXPECT_NE(third.err.find("run: took over " + lock + " from "), std::string::npos) << third.err;
  EXPECT_NE(third.err.find(" no longer runs on "), std::string::npos) << third.err;
  EXPECT_FALSE(std::ifstream(lock).good()) << "released at the end";
}

}  // namespace
}  // namespace sppo
