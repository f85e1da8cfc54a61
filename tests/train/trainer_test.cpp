// `mpiexec -n N sppo train` as users run it: one SGD step from a JSONL of pairs equals the
// reference at 1, 2 and 3 ranks; a run checkpointed at step 2 on 2 ranks and resumed on 3
// ends with the weights of an uninterrupted run.
#include "train/trainer.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <csignal>
#include <sys/wait.h>
#include <thread>
#include <filesystem>
#include <regex>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/hdf5.hpp"
#include "io/safetensors.hpp"
#include "pipeline/tiny_run.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

// The two prompts and pairs of expected/sppo_step, in the official SPPO dataset's columns.
std::string fixture_pairs(int copies) {
  std::string out;
  for (int c = 0; c < copies; ++c) {
    const double shift = 0.01 * c;
    out += nlohmann::json{{"prompt", "Name a fruit that is yellow."},
                          {"chosen", nlohmann::json::array({{{"role", "user"}, {"content", "Name a fruit that is yellow."}},
                                                            {{"role", "assistant"}, {"content", "A banana is yellow."}}})},
                          {"rejected", "The sky is blue today."},
                          {"chosen_probs", 0.8},
                          {"chosen_probs_win", 0.73 - shift},
                          {"chosen_probs_lose", 0.29 + shift}}
               .dump() + "\n";
    out += nlohmann::json{{"prompt", "What is 2 + 3?"},
                          {"chosen", "2 + 3 = 5."},
                          {"rejected", "I think the answer is 6."},
                          {"chosen_probs", 0.6},
                          {"chosen_probs_win", 0.61 - shift},
                          {"chosen_probs_lose", 0.42 + shift}}
               .dump() + "\n";
  }
  return out;
}

std::string write_config(const test::TempDir& dir, const std::string& train) {
  test::write_file(dir.file("pairs.jsonl"), fixture_pairs(4));
  test::write_file(dir.file("one.jsonl"), fixture_pairs(1));
  const std::string path = dir.file("train.yaml");
  test::write_file(path, "run: {name: t, dir: " + dir.file("runs") + ", seed: 5}\n"
                         "policy: {path: " + test::fixtures() + "/policy-f32, chat_template: mistral}\n"
                         "train: {" + train + "}\n"
                         "dist: {threads_per_rank: 1}\n");
  return path;
}

std::vector<std::string> train(int ranks, const std::string& config, const std::string& out,
                               const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{"mpiexec", "--oversubscribe", "--bind-to", "none", "-n", std::to_string(ranks),
                                test::sppo_binary(), "train", "--config", config, "--out", out};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

using test::max_difference;

TEST(Train, OneSgdStepFromJsonlEqualsTheReferenceAtAnyRankCount) {
  test::TempDir dir;
  const std::string config = write_config(dir, "loss: sppo, beta: 0.1, optimizer: sgd, lr: 0.01, warmup_ratio: 0, "
                                               "global_batch: 2, micro_batch: 1, clip_grad_norm: 0, max_length: 128, "
                                               "max_prompt_length: 64, data: " + dir.file("one.jsonl"));
  for (int ranks : {1, 2, 3}) {
    SCOPED_TRACE(ranks);
    const std::string out = dir.file("out" + std::to_string(ranks));
    const auto r = test::run_process(train(ranks, config, out));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_LT(max_difference(out, test::fixtures() + "/expected/sppo_sgd_step"), 1e-5);
    // The export is a policy folder generate can load.
    const auto g = test::run_process({test::sppo_binary(), "inspect", out});
    EXPECT_EQ(g.exit_code, 0) << g.err;
    EXPECT_NE(test::read_file(out + "/config.json").find("mistral"), std::string::npos);
    EXPECT_EQ(test::read_file(out + "/tokenizer.model"), test::read_file(test::fixtures() + "/policy-f32/tokenizer.model"));
    const std::string metrics = test::read_file(out + ".train/metrics.csv");
    EXPECT_EQ(metrics.rfind("step,epoch,loss,grad_norm,lr,rows,logratio_chosen,logratio_rejected,tokens_per_s,seconds,"
                            "term_chosen,term_rejected\n1,0,", 0), 0u)
        << metrics;
    // Columns 7 and 8: an untrained policy's log-ratios are 0 (up to batching round-off).
    std::istringstream row(metrics.substr(metrics.find('\n') + 1));
    std::vector<std::string> cells;
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    ASSERT_GE(cells.size(), 12u) << metrics;
    // The loss is the mean of the two terms' means (two rows per pair).
    EXPECT_NEAR(std::stod(cells[2]), (std::stod(cells[10]) + std::stod(cells[11])) / 2, 1e-4 * std::stod(cells[2]));
    EXPECT_LT(std::abs(std::stod(cells[6])), 1e-3) << metrics;
    EXPECT_LT(std::abs(std::stod(cells[7])), 1e-3) << metrics;
  }
}

class Resume : public ::testing::TestWithParam<const char*> {};

TEST_P(Resume, CheckpointAtStepTwoOnTwoRanksResumedOnThreeEqualsAnUninterruptedRun) {
  test::TempDir dir;
  const std::string config = write_config(dir, std::string("loss: sppo, beta: 0.1, optimizer: ") + GetParam() +
                                                   ", lr: 0.001, warmup_ratio: 0.25, global_batch: 2, micro_batch: 1, "
                                                   "checkpoint_every: 2, max_length: 128, max_prompt_length: 64, data: " +
                                                   dir.file("pairs.jsonl"));
  const auto whole = test::run_process(train(2, config, dir.file("whole")));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_NE(whole.err.find("4/4 steps"), std::string::npos) << whole.err;
  const auto first = test::run_process(train(2, config, dir.file("split"), {"--max-steps", "2"}));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("2/4 steps"), std::string::npos) << first.err;
  EXPECT_GT(max_difference(dir.file("split"), dir.file("whole")), 1e-5) << "two steps are not four";
  // The resumed half gathers one unit ahead (dist.prefetch on), the whole run does not.
  const auto second = test::run_process(train(3, config, dir.file("split"), {"--set", "dist.prefetch=on"}));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("resuming from"), std::string::npos) << second.err;
  EXPECT_LT(max_difference(dir.file("split"), dir.file("whole")), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Optimizers, Resume, ::testing::Values("adamw", "rmsprop"));

class EveryLoss : public ::testing::TestWithParam<const char*> {};

TEST_P(EveryLoss, OneStepIsTheSameAtOneAndThreeRanksAndMovesTheWeights) {
  test::TempDir dir;
  const std::string loss = GetParam();
  std::string data = dir.file("pairs.jsonl");
  if (loss == "sft") {
    data = dir.file("demos.jsonl");
    test::write_file(data, "{\"prompt\": \"Name a fruit that is yellow.\", \"response\": \"A banana is yellow.\"}\n"
                           "{\"prompt\": \"What is 2 + 3?\", \"response\": \"2 + 3 = 5.\"}\n"
                           "{\"prompt\": \"Say hi.\", \"response\": \"Hi!\"}\n");
  }
  const std::string config = write_config(dir, "loss: " + loss + ", beta: 0.1, optimizer: sgd, lr: 0.01, warmup_ratio: 0, "
                                          "global_batch: 8, micro_batch: 2, clip_grad_norm: 0, max_length: 128, "
                                          "max_prompt_length: 64, data: " + data);
  const auto one = test::run_process(train(1, config, dir.file("one"), {"--max-steps", "1"}));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto three = test::run_process(train(3, config, dir.file("three"), {"--max-steps", "1"}));
  ASSERT_EQ(three.exit_code, 0) << three.err;
  EXPECT_LT(max_difference(dir.file("one"), dir.file("three")), 1e-5);
  EXPECT_GT(max_difference(dir.file("one"), test::fixtures() + "/policy-f32"), 1e-4) << "the step changed nothing";
}

TEST(Train, Bf16ComputeTrainsAndAgreesAcrossRankCounts) {
  test::TempDir dir;
  const std::string config = write_config(dir, "loss: sppo, beta: 0.1, optimizer: sgd, lr: 0.01, warmup_ratio: 0, precision: bf16, "
                                               "global_batch: 8, micro_batch: 2, clip_grad_norm: 0, max_length: 128, "
                                               "max_prompt_length: 64, data: " + dir.file("pairs.jsonl"));
  const auto one = test::run_process(train(1, config, dir.file("one"), {"--max-steps", "1"}));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto three = test::run_process(train(3, config, dir.file("three"), {"--max-steps", "1"}));
  ASSERT_EQ(three.exit_code, 0) << three.err;
  // Gathered weights and activations are bf16, gradients are reduced in f32: ranks see other
  // batch shapes, so agreement is to bf16 precision, not exact.
  EXPECT_LT(max_difference(dir.file("one"), dir.file("three")), 2e-3);
  EXPECT_GT(max_difference(dir.file("one"), test::fixtures() + "/policy-f32"), 1e-3) << "the step changed nothing";
}

INSTANTIATE_TEST_SUITE_P(Losses, EveryLoss, ::testing::Values("sppo", "sppo_single", "dpo", "ipo", "sft"));

TEST(Train, SppoLossFallsAndLogRatiosMoveTowardTheirTargets) {
  test::TempDir dir;
  const std::string config = write_config(dir, "loss: sppo, beta: 0.1, optimizer: adamw, lr: 0.001, warmup_ratio: 0, epochs: 50, "
                                               "global_batch: 4, micro_batch: 4, max_length: 128, max_prompt_length: 64, "
                                               "checkpoint_every: 100, data: " + dir.file("one.jsonl"));
  const auto r = test::run_process(train(2, config, dir.file("out")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<double> losses;
  std::istringstream metrics(test::read_file(dir.file("out.train/metrics.csv")));
  std::string line;
  std::getline(metrics, line);
  while (std::getline(metrics, line)) losses.push_back(std::stod(line.substr(line.find(',', line.find(',') + 1) + 1)));
  ASSERT_EQ(losses.size(), 50u);  // 2 pairs, batch 4: one step per epoch
  EXPECT_LT(losses.back(), 0.2 * losses.front()) << "first " << losses.front() << ", last " << losses.back();
  // a(y) = log π_new − log π_ref moves toward (p − ½)/β for each of the 4 responses.
  const std::string pairs = dir.file("rows.jsonl");
  test::write_file(pairs, "{\"prompt\": \"Name a fruit that is yellow.\", \"response\": \"A banana is yellow.\"}\n"
                          "{\"prompt\": \"Name a fruit that is yellow.\", \"response\": \"The sky is blue today.\"}\n"
                          "{\"prompt\": \"What is 2 + 3?\", \"response\": \"2 + 3 = 5.\"}\n"
                          "{\"prompt\": \"What is 2 + 3?\", \"response\": \"I think the answer is 6.\"}\n");
  const double p[4] = {0.73, 0.29, 0.61, 0.42};
  auto scores = [&](const std::string& model) {
    std::vector<double> out;
    const auto scored = test::run_process({test::sppo_binary(), "score", "--model", model, "--input", pairs, "--template", "mistral"});
    EXPECT_EQ(scored.exit_code, 0) << model << ": " << scored.err;
    std::istringstream lines(scored.out);
    for (std::string l; std::getline(lines, l);) out.push_back(nlohmann::json::parse(l)["logp"].get<double>());
    return out;
  };
  const auto before = scores(test::fixtures() + "/policy-f32"), after = scores(dir.file("out"));
  ASSERT_EQ(after.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    const double target = (p[i] - 0.5) / 0.1, a = after[i] - before[i];
    EXPECT_LT(std::abs(a - target), 0.5 * std::abs(target)) << "row " << i << ": a = " << a << ", target " << target;
  }
}

}  // namespace
}  // namespace sppo

namespace sppo {
namespace {

// generate -> annotate -> train on 2 ranks from samples.h5: /reference/logp is written (and
// equals sppo score of the same tokens), then reused by a rerun.
TEST(Train, FromSamplesWritesTheReferenceOnceAndTrains) {
  test::TempDir dir;
  const std::string config = dir.file("run.yaml");
  test::write_file(config, "run: {name: t, dir: " + dir.file("runs") + ", seed: 42, iterations: 1}\n"
                           "data: {prompts: tests/data/prompts.jsonl}\n"
                           "policy: {path: " + test::fixtures() + "/policy-f32, chat_template: mistral}\n"
                           "ranker: {path: " + test::fixtures() + "/ranker-f32}\n"
                           "generate: {samples: 3, max_new_tokens: 12, chunk_prompts: 8, max_prompt_length: 48}\n"
                           "train: {loss: sppo, beta: 0.1, optimizer: rmsprop, lr: 0.0001, global_batch: 8, micro_batch: 4,"
                           " max_length: 64, max_prompt_length: 48, checkpoint_every: 2}\n"
                           "dist: {threads_per_rank: 1}\n");
  auto mpi = [&](const std::string& stage, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{"mpiexec", "--oversubscribe", "--bind-to", "none", "-n", "2", test::sppo_binary(), stage, "--config", config};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return test::run_process(argv);
  };
  for (const char* stage : {"generate", "annotate"}) {
    const auto r = mpi(stage);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const auto trained = mpi("train", {"--max-steps", "2"});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const std::string samples = dir.file("runs/t/iter-0/samples.h5");
  {
    const h5::File f = h5::File::open(samples, false, MPI_COMM_NULL);
    EXPECT_EQ(f.open_dataset("/progress/reference").read_all<uint8_t>(), std::vector<uint8_t>(5, 1));
    const auto logp = f.open_dataset("/reference/logp").read_all<float>();
    const auto p_tok = f.open_dataset("/prompts/tokens").read_all<int32_t>();
    const auto p_len = f.open_dataset("/prompts/length").read_all<int32_t>();
    const auto r_tok = f.open_dataset("/responses/tokens").read_all<int32_t>();
    const auto r_len = f.open_dataset("/responses/length").read_all<int32_t>();
    const int64_t Lp = static_cast<int64_t>(p_tok.size()) / 40;
    // Sample (3, 1) scored by `sppo score` on the same ids.
    const std::vector<int32_t> prompt(p_tok.begin() + 3 * Lp, p_tok.begin() + 3 * Lp + p_len[3]);
    const std::vector<int32_t> response(r_tok.begin() + (3 * 3 + 1) * 12, r_tok.begin() + (3 * 3 + 1) * 12 + r_len[3 * 3 + 1]);
    test::write_file(dir.file("one.jsonl"), nlohmann::json{{"prompt_ids", prompt}, {"response_ids", response}}.dump() + "\n");
    const auto score = test::run_process({test::sppo_binary(), "score", "--model", test::fixtures() + "/policy-f32", "--input",
                                          dir.file("one.jsonl")});
    EXPECT_NEAR(nlohmann::json::parse(score.out)["logp"].get<double>(), logp[3 * 3 + 1], 1e-3);
  }
  EXPECT_EQ(test::run_process({"ls", dir.file("runs/t/iter-0/ckpt")}).out, "step-2.h5\n");
  const auto again = mpi("train");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("reference log-probs already in"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("resuming from"), std::string::npos) << again.err;
  EXPECT_EQ(test::run_process({test::sppo_binary(), "inspect", dir.file("runs/t/iter-0/policy")}).exit_code, 0);
}


// Pairs whose SPPO targets are 0 (p = ½), and one whose target (p − ½)/β overflows: with
// β = 1e-30 its loss is infinite.
std::string pairs_with_one_overflow() {
  std::string out;
  for (int i = 0; i < 4; ++i)
    out += nlohmann::json{{"prompt", "What is " + std::to_string(i) + " + 3?"}, {"chosen", "It is " + std::to_string(i + 3) + "."},
                          {"rejected", "No idea."}, {"chosen_probs_win", i == 2 ? 0.9 : 0.5},
                          {"chosen_probs_lose", i == 2 ? 0.1 : 0.5}}.dump() + "\n";
  return out;
}

// One example per step, SGD, checkpoints every step, over pairs_with_one_overflow().
std::string overflow_config(const test::TempDir& dir, const std::string& beta, const std::string& extra = "") {
  test::write_file(dir.file("bad.jsonl"), pairs_with_one_overflow());
  return write_config(dir, "loss: sppo, beta: " + beta + ", optimizer: sgd, lr: 0.01, warmup_ratio: 0, global_batch: 1, "
                           "micro_batch: 1, max_length: 128, max_prompt_length: 64, checkpoint_every: 1, " + extra +
                           "data: " + dir.file("bad.jsonl"));
}

TEST(Train, ANonFiniteStepStopsNamingStepMicroBatchAndUnitBeforeAnyCheckpoint) {
  test::TempDir dir;
  const std::string config = overflow_config(dir, "1.0e-38");
  const auto r = test::run_process(train(2, config, dir.file("out")));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex("train: step ([0-9]+), micro-batch 1: the loss is not finite; "
                                                     "non-finite gradients in (embedding|layer [0-9]+|head)(, [a-z0-9 ]+)*; nothing "
                                                     "of this step was applied or checkpointed")))
      << r.err;
  const int step = std::stoi(m[1]);
  EXPECT_EQ(r.err.find("the loss is not finite", m.position(0) + 1 + m.length(0)), std::string::npos) << "printed once\n" << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.train/ckpt/step-" + std::to_string(step) + ".h5")));
  if (step > 1) {
    EXPECT_TRUE(std::filesystem::exists(dir.file("out.train/ckpt/step-" + std::to_string(step - 1) + ".h5")));
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("out/model.safetensors")));
}

TEST(Train, NonFiniteSkipDropsTheStepAndCountsIt) {
  test::TempDir dir;
  const std::string config = overflow_config(dir, "1.0e-30", "nonfinite: skip, ");
  const auto r = test::run_process(train(2, config, dir.file("out")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(": step skipped (1 so far)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("4/4 steps (1 skipped: not finite)"), std::string::npos) << r.err;
  const auto model = SafetensorsModel::open(dir.file("out"));
  for (const auto& name : model.names()) EXPECT_TRUE(model.tensor(name).isfinite().all().item<bool>()) << name;
}

// SIGUSR1 (Slurm's warning before a time limit) and SIGTERM (scancel, a time limit without
// --signal) alike: checkpoint at the next step boundary on every rank, exit with status 3.
class StopSignals : public ::testing::TestWithParam<int> {};

TEST_P(StopSignals, CheckpointStopWithStatus3AndTheRerunEndsAsAnUninterruptedRun) {
  test::TempDir dir;
  const std::string config = write_config(dir, "loss: sppo, beta: 0.1, optimizer: adamw, lr: 0.001, warmup_ratio: 0.1, "
                                               "epochs: 300, global_batch: 4, micro_batch: 2, max_length: 128, "
                                               "max_prompt_length: 64, checkpoint_every: 1000, data: " + dir.file("one.jsonl"));
  ASSERT_EQ(test::run_process(train(2, config, dir.file("plain"))).exit_code, 0);
  const int launcher = test::spawn_in_group(train(2, config, dir.file("out")));
  // Wait for 20 steps in metrics.csv, then signal one rank, as Slurm's warning does.
  test::wait_for_lines(dir.file("out.train/metrics.csv"), 20, 12000);
  const pid_t rank = static_cast<pid_t>(test::first_rank(launcher));
  ASSERT_GT(rank, 0);
  ::kill(rank, GetParam());
  int status = 0;
  waitpid(launcher, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_FALSE(std::filesystem::exists(dir.file("out/model.safetensors"))) << "an interrupted run exports nothing";
  int checkpoints = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.file("out.train/ckpt"))) checkpoints += e.path().extension() == ".h5";
  EXPECT_EQ(checkpoints, 1);
  const auto r = test::run_process(train(2, config, dir.file("out")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("train: resuming from"), std::string::npos) << r.err;
  EXPECT_LT(max_difference(dir.file("out"), dir.file("plain")), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Train, StopSignals, ::testing::Values(SIGUSR1, SIGTERM),
                         [](const ::testing::TestParamInfo<int>& info) { return info.param == SIGUSR1 ? "SIGUSR1" : "SIGTERM"; });


TEST(Train, ARankKilledMidCollectiveEndsTheWholeJobInBoundedTime) {
  test::TempDir dir;
  const std::string config = write_config(dir, "loss: sppo, beta: 0.1, optimizer: adamw, lr: 0.001, epochs: 2000, "
                                               "global_batch: 4, micro_batch: 2, max_length: 128, max_prompt_length: 64, "
                                               "checkpoint_every: 100000, data: " + dir.file("one.jsonl"));
  const int launcher = test::spawn_in_group(train(2, config, dir.file("out")));
  // Training: every step is all-gathers and reduce-scatters, so the kill lands in or between collectives.
  test::wait_for_lines(dir.file("out.train/metrics.csv"), 10, 12000);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(test::kill_one_rank_and_wait(launcher, config)) << "the surviving rank hung in a collective";
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 30.0);
}

}  // namespace
}  // namespace sppo
