// The generate stage as users run it: `mpiexec -n N sppo generate`. Output must not depend on
// the rank count, a job killed mid-run must finish on rerun with the same bytes, and a rerun
// with other settings must be refused without touching the file.
#include "generate/generate_stage.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "io/samples_schema.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

std::string write_config(const test::TempDir& dir, const std::string& extra = "") {
  const std::string path = dir.file("gen.yaml");
  test::write_file(path, "run: {name: t, dir: " + dir.file("runs") + ", seed: 42, iterations: 1}\n"
                         "data: {prompts: tests/data/prompts.jsonl}\n"
                         "policy: {path: " + test::fixtures() + "/policy-f32, chat_template: mistral}\n"
                         "generate: {samples: 3, max_new_tokens: 24, chunk_prompts: 4, max_prompt_length: 64}\n"
                         "train: {max_prompt_length: 64, max_length: 128, global_batch: 8, micro_batch: 8}\n"
                         "dist: {threads_per_rank: 1}\n" + extra);
  return path;
}

std::vector<std::string> mpi_generate(int ranks, const std::string& config, const std::string& samples,
                                      const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{"mpiexec", "--oversubscribe", "--bind-to", "none", "-n", std::to_string(ranks),
                                test::sppo_binary(), "generate", "--config", config, "--samples", samples};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

// Every dataset generate writes, read back whole, as bytes.
std::map<std::string, std::string> generated_bytes(const std::string& path) {
  const h5::File f = h5::File::open(path, false, MPI_COMM_NULL);
  std::map<std::string, std::string> out;
  for (const char* name : {samples::kPromptId, samples::kPromptTokens, samples::kPromptLength, samples::kResponseTokens,
                           samples::kResponseLength, samples::kResponseFinished}) {
    const h5::Dataset d = f.open_dataset(name);
    std::string bytes;
    switch (*d.element_type()) {
      case h5::ElementType::i32: { auto v = d.read_all<int32_t>(); bytes.assign(reinterpret_cast<char*>(v.data()), v.size() * 4); break; }
      case h5::ElementType::i64: { auto v = d.read_all<int64_t>(); bytes.assign(reinterpret_cast<char*>(v.data()), v.size() * 8); break; }
      case h5::ElementType::u8: { auto v = d.read_all<uint8_t>(); bytes.assign(reinterpret_cast<char*>(v.data()), v.size()); break; }
      case h5::ElementType::f32: { auto v = d.read_all<float>(); bytes.assign(reinterpret_cast<char*>(v.data()), v.size() * 4); break; }
    }
    out[name] = bytes;
  }
  return out;
}

std::vector<uint8_t> progress_flags(const std::string& path) {
  const h5::File f = h5::File::open(path, false, MPI_COMM_NULL);
  return f.open_dataset(std::string(samples::kProgressPrefix) + "generate").read_all<uint8_t>();
}

TEST(GenerateStage, ByteIdenticalAtOneTwoAndThreeRanks) {
  test::TempDir dir;
  const std::string config = write_config(dir);
  std::map<std::string, std::string> reference;
  for (int ranks : {1, 2, 3}) {
    SCOPED_TRACE(ranks);
    const std::string samples = dir.file("s" + std::to_string(ranks) + ".h5");
    const auto r = test::run_process(mpi_generate(ranks, config, samples));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("generate: 10 chunks"), std::string::npos) << r.err;
    EXPECT_EQ(progress_flags(samples), std::vector<uint8_t>(10, 1));
    const auto bytes = generated_bytes(samples);
    if (reference.empty()) reference = bytes;
    for (const auto& [name, data] : bytes) EXPECT_TRUE(data == reference[name]) << name << " differs at " << ranks << " ranks";
  }
  // Responses are real samples: K differ from each other, all within bounds.
  const h5::File f = h5::File::open(dir.file("s1.h5"), false, MPI_COMM_NULL);
  const auto lengths = f.open_dataset(samples::kResponseLength).read_all<int32_t>();
  for (int32_t n : lengths) {
    EXPECT_GE(n, 1);
    EXPECT_LE(n, 24);
  }
  // A rerun of a finished file does nothing and changes nothing.
  const std::string before = test::read_file(dir.file("s2.h5"));
  const auto again = test::run_process(mpi_generate(2, config, dir.file("s2.h5")));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("10 of 10 chunks already done"), std::string::npos) << again.err;
  EXPECT_EQ(generated_bytes(dir.file("s2.h5")), reference);
  (void)before;
}

TEST(GenerateStage, KillingOneRankMidRunThenRerunningGivesTheSameBytes) {
  test::TempDir dir;
  // Chunks of one prompt and long responses: the job runs long enough to be caught mid-way.
  const std::string config = write_config(dir, "");
  const std::vector<std::string> small_chunks{"--set", "generate.chunk_prompts=1", "--set", "generate.max_new_tokens=64",
                                              "--set", "generate.temperature=1.5", "--set", "generate.top_p=1.0"};
  const auto reference_run = test::run_process(mpi_generate(1, config, dir.file("ref.h5"), small_chunks));
  ASSERT_EQ(reference_run.exit_code, 0) << reference_run.err;
  const auto reference = generated_bytes(dir.file("ref.h5"));

  const std::string samples = dir.file("killed.h5");
  const auto argv = mpi_generate(2, config, samples, small_chunks);
  const int launcher = test::spawn_in_group(argv);
  // Wait until some chunks are flagged, then SIGKILL one rank (a child of mpiexec).
  bool killed = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!killed && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::vector<uint8_t> flags;
    try {
      flags = progress_flags(samples);
    } catch (const std::exception&) {
      continue;  // not created yet
    }
    int done = 0;
    for (uint8_t x : flags) done += x;
    if (done >= 3) {
      EXPECT_LT(done, 40) << "the job finished before the kill; the test proves nothing";
      ASSERT_TRUE(test::kill_one_rank_and_wait(launcher, samples)) << "the job did not end after one rank was killed";
      killed = true;
    }
  }
  ASSERT_TRUE(killed);
  const auto flags = progress_flags(samples);
  int done = 0;
  for (uint8_t x : flags) done += x;
  EXPECT_LT(done, 40);
  const auto rerun = test::run_process(mpi_generate(3, config, samples, small_chunks));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.err.find("resuming"), std::string::npos) << rerun.err;
  EXPECT_EQ(progress_flags(samples), std::vector<uint8_t>(40, 1));
  const auto bytes = generated_bytes(samples);
  for (const auto& [name, data] : bytes) EXPECT_TRUE(data == reference.at(name)) << name;
}

// What Slurm sends on scancel or at a time limit: every rank finishes the chunk in hand, takes
// no other, and the job exits with status 3 (requeue); the rerun completes the same bytes.
TEST(GenerateStage, SigtermFinishesTheChunksInHandExitsWithStatus3AndTheRerunCompletesTheSameBytes) {
  test::TempDir dir;
  const std::string config = write_config(dir, "");
  const std::vector<std::string> small_chunks{"--set", "generate.chunk_prompts=1", "--set", "generate.max_new_tokens=64",
                                              "--set", "generate.temperature=1.5", "--set", "generate.top_p=1.0"};
  ASSERT_EQ(test::run_process(mpi_generate(1, config, dir.file("ref.h5"), small_chunks)).exit_code, 0);
  const auto reference = generated_bytes(dir.file("ref.h5"));

  const std::string samples = dir.file("stopped.h5"), log = dir.file("stopped.log");
  const int launcher = test::spawn_in_group(mpi_generate(2, config, samples, small_chunks), log);
  int done = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (done < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    try {
      done = 0;
      for (uint8_t x : progress_flags(samples)) done += x;
    } catch (const std::exception&) {
      continue;  // not created yet
    }
  }
  ASSERT_GE(done, 3);
  EXPECT_LT(done, 40) << "the job finished before the signal; the test proves nothing";
  test::run_process({"pkill", "-TERM", "-P", std::to_string(launcher)});  // every rank, as srun forwards it
  int status = 0;
  waitpid(launcher, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << test::read_file(log);
  EXPECT_EQ(WEXITSTATUS(status), 3) << test::read_file(log);
  EXPECT_NE(test::read_file(log).find("generate: SIGTERM: stopped after the chunks in hand"), std::string::npos)
      << test::read_file(log);
  int after = 0;
  for (uint8_t x : progress_flags(samples)) after += x;
  EXPECT_LT(after, 40);
  const auto rerun = test::run_process(mpi_generate(2, config, samples, small_chunks));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(progress_flags(samples), std::vector<uint8_t>(40, 1));
  const auto bytes = generated_bytes(samples);
  for (const auto& [name, data] : bytes) EXPECT_TRUE(data == reference.at(name)) << name;
}

TEST(GenerateStage, MismatchedRerunsAndBadInputsAreRefusedBeforeAnyWrite) {
  test::TempDir dir;
  const std::string config = write_config(dir);
  const std::string samples = dir.file("s.h5");
  const auto first = test::run_process(mpi_generate(1, config, samples));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // dist.device and dist.backend auto: the CPU and MPI on this CPU-only LibTorch.
  EXPECT_NE(first.err.find("1 rank(s), 1 thread(s) per rank, mpi on cpu"), std::string::npos) << first.err;
  const std::string before = test::read_file(samples);
  for (const auto& change : std::vector<std::string>{"run.seed=7", "generate.samples=4", "generate.temperature=0.5"}) {
    SCOPED_TRACE(change);
    const auto r = test::run_process(mpi_generate(2, config, samples, {"--set", change}));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find(samples + ": was made with"), std::string::npos) << r.err;
    EXPECT_EQ(test::read_file(samples), before) << "the file was modified";
  }
  const auto other_policy = test::run_process(
      mpi_generate(1, config, samples, {"--policy", test::fixtures() + "/policy-bf16"}));
  EXPECT_NE(other_policy.err.find("another policy"), std::string::npos) << other_policy.err;
  EXPECT_EQ(test::read_file(samples), before);

  // A GPU asked of a CPU-only build: one line naming the key, on every rank, before any write.
  for (const auto& [change, error] : std::vector<std::pair<std::string, std::string>>{
           {"dist.device=cuda", "dist.device = cuda: this LibTorch build has no CUDA"},
           {"dist.backend=nccl", "dist.backend = nccl: "}}) {
    SCOPED_TRACE(change);
    const auto r = test::run_process(mpi_generate(2, config, dir.file("gpu.h5"), {"--set", change}));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("sppo: error: " + error), std::string::npos) << r.err;
    EXPECT_NE(::access(dir.file("gpu.h5").c_str(), F_OK), 0) << "no output for a job that could not start";
  }
  const auto missing = test::run_process(mpi_generate(2, config, dir.file("new.h5"), {"--policy", dir.file("nope")}));
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find(dir.file("nope")), std::string::npos) << missing.err;
  EXPECT_NE(::access(dir.file("new.h5").c_str(), F_OK), 0) << "no output for a job that could not start";
}

TEST(GenerateStage, ExportWritesOneJsonLinePerPrompt) {
  test::TempDir dir;
  const std::string config = write_config(dir);
  ASSERT_EQ(test::run_process(mpi_generate(1, config, dir.file("s.h5"))).exit_code, 0);
  const auto r = test::run_process({test::sppo_binary(), "export", "--samples", dir.file("s.h5"), "--out", dir.file("s.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(dir.file("s.jsonl"));
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);  // throws on invalid JSON
    EXPECT_EQ(j["prompt_id"].get<int>(), lines);
    EXPECT_EQ(j["responses"].size(), 3u);
    EXPECT_EQ(j["finished"].size(), 3u);
    EXPECT_FALSE(j.contains("winrate")) << "not annotated yet";
    ++lines;
  }
  EXPECT_EQ(lines, 40);
  const auto first = nlohmann::json::parse(test::read_file(dir.file("s.jsonl")).substr(0, test::read_file(dir.file("s.jsonl")).find('\n')));
  EXPECT_EQ(first["prompt"], "Explain why the sky looks blue during the day and red at sunset.");
}

}  // namespace
}  // namespace sppo
