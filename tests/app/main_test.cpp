// The sppo binary as users run it: bad input of every kind stops with exactly one error
// line on stderr, nothing on stdout, and exit status 1; good input works.
#include <gtest/gtest.h>

#include "io/safetensors_cases.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

test::ProcessResult sppo(const std::vector<std::string>& args) {
  std::vector<std::string> argv{test::sppo_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::run_process(argv);
}

// One line, naming `must_contain` (a file, usually).
void expect_one_error_line(const test::ProcessResult& r, const std::string& must_contain) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("sppo: error: ", 0), 0u) << r.err;
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line:\n" << r.err;
  EXPECT_NE(r.err.find(must_contain), std::string::npos) << r.err;
}

TEST(Main, MalformedSafetensorsFilesEachGiveOneErrorLine) {
  test::TempDir dir;
  for (const auto& c : test::bad_safetensors_cases()) {
    SCOPED_TRACE(c.name);
    const std::string path = dir.file(c.name + ".safetensors");
    test::write_file(path, c.bytes);
    const auto r = sppo({"inspect", path});
    expect_one_error_line(r, path);
    EXPECT_NE(r.err.find(c.expected_error), std::string::npos) << r.err;
  }
}

TEST(Main, MalformedConfigsEachGiveOneErrorLine) {
  test::TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases{
      {"train:\n  lr: [1, 2\n", "YAML syntax error"},
      {"generate:\n  top_p: 1.5\n", "generate.top_p = 1.5: must be in (0.0, 1.0]"},
      {"generate:\n  temperature: -1\n", "must be >= 0"},
      {"generate:\n  samples: 1\n", "generate.samples = 1: must be >= 2"},
      {"generate:\n  max_new_tokens: 0\n", "must be >= 1"},
      {"train:\n  beta: 0\n", "train.beta = 0.0: must be > 0"},
      {"train:\n  lr: -5e-7\n", "train.lr"},
      {"train:\n  optimiser: adamw\n", "unknown key train.optimiser (did you mean train.optimizer?)"},
      {"polcy:\n  path: x\n", "unknown section 'polcy' (did you mean policy?)"},
      {"run:\n  name: ../escape\n", "run.name"},
      {"generate: {samples: many}\n", "expected an integer"},
      {"\t- tabs are not yaml\n:", "YAML"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].first);
    const std::string path = dir.file("c" + std::to_string(i) + ".yaml");
    test::write_file(path, cases[i].first);
    const auto r = sppo({"config", "show", path});
    expect_one_error_line(r, path);
    EXPECT_NE(r.err.find(cases[i].second), std::string::npos) << r.err;
  }
  expect_one_error_line(sppo({"config", "show", dir.file("missing.yaml")}), dir.file("missing.yaml"));
  expect_one_error_line(sppo({"config", "show", "config/tiny.yaml", "--set", "generate.top_p=2"}), "--set generate.top_p=2");
}

TEST(Main, MalformedPromptFilesEachGiveOneErrorLine) {
  test::TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases{
      {"{\"prompt\": \"ok\"}\n{\"prompt\": 3}\n", ":2: field \"prompt\" must be a string"},
      {"{\"prompt\": \"ok\"}\nnot json\n", ":2: not valid JSON"},
      {"{\"prompt\": \"bad \xC3\x28\"}\n", ":1: invalid UTF-8"},
      {"{\"other\": \"x\"}\n", ":1: field \"prompt\" is missing"},
      {"", "no prompts"},
      {"[\"array\"]\n", ":1: expected a JSON object"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].first);
    const std::string path = dir.file("p" + std::to_string(i) + ".jsonl");
    test::write_file(path, cases[i].first);
    const auto r = sppo({"inspect", path});
    expect_one_error_line(r, path);
    EXPECT_NE(r.err.find(cases[i].second), std::string::npos) << r.err;
  }
  const std::string dup = dir.file("dup.jsonl");
  test::write_file(dup, "{\"prompt\": \"a\", \"k\": 1}\n{\"prompt\": \"b\", \"k\": 1}\n");
  expect_one_error_line(sppo({"inspect", dup, "--set", "data.id_field=k"}), dup + ":2: id \"1\" already used on line 1");
}

TEST(Main, BadFlagsAndCommands) {
  expect_one_error_line(sppo({"frobnicate"}), "unknown command 'frobnicate'");
  expect_one_error_line(sppo({"inspect"}), "expected PATH");
  expect_one_error_line(sppo({"inspect", "x", "--bogus", "1"}), "unknown flag --bogus");
}

TEST(Main, GoodInputWorks) {
  auto r = sppo({"config", "show", "config/tiny.yaml", "--set", "train.lr=2e-6"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("train:\n"), std::string::npos);
  EXPECT_NE(r.out.find("  lr: 2e-06\n"), std::string::npos) << r.out;
  r = sppo({"inspect", test::fixtures() + "/policy-f32"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("model.layers.1.mlp.gate_proj.weight"), std::string::npos);
  r = sppo({"inspect", "tests/data/prompts.jsonl"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" prompts (field \"prompt\""), std::string::npos) << r.out;
  r = sppo({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("usage: sppo"), std::string::npos);
  r = sppo({"version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("HDF5"), std::string::npos);
}

// scripts/gpu-check on this CPU-only machine: steps 1-3 pass (LibTorch, libraries, the
// existing build), step 4 stops with one line and a report saying where and why.
TEST(Main, GpuCheckStopsAtTheFirstStepThatNeedsAGpu) {
  test::TempDir dir;
  const std::string bin = test::sppo_binary();
  const std::string build = bin.substr(0, bin.rfind("/bin/"));
  const auto r = test::run_process({"env", "SPPO_BUILD_DIR=" + build, "OUT=" + dir.path(), "scripts/gpu-check", "--skip-build"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  for (const char* passed : {"step 1/8 (LibTorch)", "step 2/8 (libraries)", "step 3/8 (build)"})
    EXPECT_NE(r.out.find(passed), std::string::npos) << passed << " in\n" << r.out;
  EXPECT_NE(r.out.find("gpu-check: stopped at step 4/8 (a GPU is visible to sppo): cpu (this LibTorch has no CUDA)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("step 5/8"), std::string::npos) << "went past the GPU step";
  EXPECT_NE(test::read_file(dir.file("report.md")).find("Stopped at step 4/8"), std::string::npos);
}

TEST(Main, AnErrorUnderMpiEndsTheWholeJob) {
  const auto r = test::run_process({"mpiexec", "--oversubscribe", "-n", "2", test::sppo_binary(), "inspect", "/nonexistent"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("sppo: error: /nonexistent"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sppo
