// `mpiexec -n N sppo annotate` on a generated samples.h5: identical /pairrm at any rank
// count, same bytes after a SIGKILL and a rerun, refusals before any write.
#include "annotate/annotate_stage.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "io/samples_file.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

std::string write_config(const test::TempDir& dir) {
  const std::string path = dir.file("run.yaml");
  test::write_file(path, "run: {name: t, dir: " + dir.file("runs") + ", seed: 42, iterations: 1}\n"
                         "data: {prompts: tests/data/prompts.jsonl}\n"
                         "policy: {path: " + test::fixtures() + "/policy-f32, chat_template: mistral}\n"
                         "ranker: {path: " + test::fixtures() + "/ranker-f32}\n"
                         "generate: {samples: 4, max_new_tokens: 16, chunk_prompts: 2, max_prompt_length: 64}\n"
                         "annotate: {batch_pairs: 10}\n"
                         "train: {max_prompt_length: 64, max_length: 128, global_batch: 8, micro_batch: 8}\n"
                         "dist: {threads_per_rank: 1}\n");
  return path;
}

std::vector<std::string> mpi(int ranks, const std::string& stage, const std::string& config, const std::string& samples) {
  return {"mpiexec", "--oversubscribe", "--bind-to", "none", "-n", std::to_string(ranks), test::sppo_binary(), stage,
          "--config", config, "--samples", samples};
}

std::pair<std::vector<float>, std::vector<float>> pairrm(const std::string& path) {
  const h5::File f = h5::File::open(path, false, MPI_COMM_NULL);
  return {f.open_dataset(samples::kPairrmLogits).read_all<float>(), f.open_dataset(samples::kPairrmWinrate).read_all<float>()};
}

std::vector<uint8_t> flags(const std::string& path) {
  const h5::File f = h5::File::open(path, false, MPI_COMM_NULL);
  return f.open_dataset(std::string(samples::kProgressPrefix) + "annotate").read_all<uint8_t>();
}

// A generated file copied for each run, so every annotate starts from the same responses.
std::string generated(const test::TempDir& dir, const std::string& config) {
  const std::string path = dir.file("generated.h5");
  const auto r = test::run_process(mpi(1, "generate", config, path));
  if (r.exit_code != 0) throw std::runtime_error(r.err);
  return path;
}

TEST(AnnotateStage, IdenticalAtOneTwoAndThreeRanksAndMatricesAreWellFormed) {
  test::TempDir dir;
  const std::string config = write_config(dir);
  const std::string source = generated(dir, config);
  std::pair<std::vector<float>, std::vector<float>> reference;
  for (int ranks : {1, 2, 3}) {
    SCOPED_TRACE(ranks);
    const std::string path = dir.file("a" + std::to_string(ranks) + ".h5");
    test::run_process({"cp", source, path});
    const auto r = test::run_process(mpi(ranks, "annotate", config, path));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(flags(path), std::vector<uint8_t>(20, 1));
    const auto got = pairrm(path);
    if (reference.first.empty()) reference = got;
    EXPECT_TRUE(got.first == reference.first) << "/pairrm/logits differ";
    EXPECT_TRUE(got.second == reference.second) << "/pairrm/winrate differ";
  }
  // 40 prompts x K = 4: zero diagonal, nonzero off-diagonal, rates summing to K/2.
  const auto& [M, W] = reference;
  for (int n = 0; n < 40; ++n) {
    double sum = 0;
    for (int i = 0; i < 4; ++i) {
      sum += W[n * 4 + i];
      for (int j = 0; j < 4; ++j) {
        if (i == j) EXPECT_EQ(M[(n * 4 + i) * 4 + j], 0.0f);
        else EXPECT_NE(M[(n * 4 + i) * 4 + j], 0.0f);
      }
    }
    EXPECT_NEAR(sum, 2.0, 1e-5);
  }
}

// 2 chunks of 20 prompts at 3 ranks: ranks 0 and 2 share chunk 0, rank 1 does chunk 1; and 1
// chunk at 3 ranks. The bytes equal one rank's, so the shares changed no batch.
TEST(AnnotateStage, FewerChunksThanRanksShareTheirPairsAndGiveTheSameBytes) {
  for (int chunk_prompts : {20, 40}) {
    SCOPED_TRACE(chunk_prompts);
    test::TempDir dir;
    std::string text = test::read_file(write_config(dir));
    const std::string from = "chunk_prompts: 2,", to = "chunk_prompts: " + std::to_string(chunk_prompts) + ",";
    text.replace(text.find(from), from.size(), to);
    const std::string config = dir.file("few.yaml");
    test::write_file(config, text);
    const std::string source = generated(dir, config);
    const std::string one = dir.file("one.h5"), three = dir.file("three.h5");
    test::run_process({"cp", source, one});
    test::run_process({"cp", source, three});
    ASSERT_EQ(test::run_process(mpi(1, "annotate", config, one)).exit_code, 0);
    const auto r = test::run_process(mpi(3, "annotate", config, three));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const int chunks = 40 / chunk_prompts;
    EXPECT_NE(r.err.find(std::to_string(chunks) + " chunk(s) for 3 ranks: each chunk's pairs shared by"), std::string::npos)
        << r.err;
    EXPECT_EQ(flags(three), std::vector<uint8_t>(static_cast<std::size_t>(chunks), 1));
    const auto a = pairrm(one), b = pairrm(three);
    ASSERT_EQ(a.first.size(), 40u * 16u);
    EXPECT_EQ(std::memcmp(a.first.data(), b.first.data(), a.first.size() * sizeof(float)), 0) << "/pairrm/logits differ";
    EXPECT_EQ(std::memcmp(a.second.data(), b.second.data(), a.second.size() * sizeof(float)), 0) << "/pairrm/winrate differ";
  }
}

TEST(AnnotateStage, KillingARankMidRunThenRerunningGivesTheSameBytes) {
  test::TempDir dir;
  const std::string config = write_config(dir);
  const std::string source = generated(dir, config);
  const std::string ref = dir.file("ref.h5"), path = dir.file("killed.h5");
  test::run_process({"cp", source, ref});
  test::run_process({"cp", source, path});
  ASSERT_EQ(test::run_process(mpi(1, "annotate", config, ref)).exit_code, 0);
  const auto argv = mpi(2, "annotate", config, path);
  const int launcher = test::spawn_in_group(argv);
  bool killed = false;
  for (int i = 0; i < 6000 && !killed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::vector<uint8_t> f;
    try {
      f = flags(path);
    } catch (const std::exception&) {
      continue;
    }
    if (std::count(f.begin(), f.end(), uint8_t{1}) >= 2) {
      ASSERT_TRUE(test::kill_one_rank_and_wait(launcher, path)) << "the job did not end after one rank was killed";
      killed = true;
    }
  }
  ASSERT_TRUE(killed);
  const auto partial = flags(path);
  EXPECT_LT(std::count(partial.begin(), partial.end(), uint8_t{1}), 20) << "finished before the kill: proves nothing";
  const auto rerun = test::run_process(mpi(3, "annotate", config, path));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(flags(path), std::vector<uint8_t>(20, 1));
  EXPECT_TRUE(pairrm(path) == pairrm(ref));
}

TEST(AnnotateStage, RefusesIncompleteResponsesAndAnotherRanker) {
  test::TempDir dir;
  const std::string config = write_config(dir);
  // A file whose generate stage never ran.
  {
    const SamplesShape shape{4, 2, 4, 4, 2};  // N, K, Lp, Lr, chunk
    SamplesOrigin origin;
    origin.policy_path = test::fixtures() + "/policy-f32";
    SamplesFile::create(dir.file("empty.h5"), shape, origin, RankGroup::serial());
  }
  const auto r = test::run_process(mpi(2, "annotate", config, dir.file("empty.h5")));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("responses are not complete (0 of 2 chunks generated)"), std::string::npos) << r.err;

  const std::string path = generated(dir, config);
  ASSERT_EQ(test::run_process(mpi(1, "annotate", config, path)).exit_code, 0);
  const std::string before = test::read_file(path);
  auto other = mpi(1, "annotate", config, path);
  other.insert(other.end(), {"--set", "ranker.path=" + test::fixtures() + "/ranker-bf16"});
  const auto refused = test::run_process(other);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("was annotated by another ranker"), std::string::npos) << refused.err;
  EXPECT_EQ(test::read_file(path), before);
}

}  // namespace
}  // namespace sppo
