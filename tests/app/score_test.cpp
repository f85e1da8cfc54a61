// `sppo score` against the reference: the log-prob sums of the sppo_step rows under the
// initial policy are the fixture's `logp`.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "io/safetensors.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(Score, TokenIdsGiveTheReferenceLogProbs) {
  const auto step = SafetensorsModel::open(test::fixtures() + "/expected/sppo_step.safetensors");
  const at::Tensor ids = step.tensor("input_ids"), mask = step.tensor("attention_mask"), start = step.tensor("response_start");
  const at::Tensor logp = step.tensor("logp");
  test::TempDir dir;
  std::string input;
  for (int64_t b = 0; b < ids.size(0); ++b) {
    const int64_t n = mask[b].sum().item<int64_t>(), s = start[b].item<int64_t>();
    std::vector<int64_t> row(ids[b].data_ptr<int64_t>(), ids[b].data_ptr<int64_t>() + n);
    nlohmann::json j{{"prompt_ids", std::vector<int64_t>(row.begin(), row.begin() + s)},
                     {"response_ids", std::vector<int64_t>(row.begin() + s, row.end())}};
    input += j.dump() + "\n";
  }
  test::write_file(dir.file("in.jsonl"), input);
  const auto r = test::run_process({test::sppo_binary(), "score", "--model", test::fixtures() + "/policy-f32", "--input",
                                    dir.file("in.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream out(r.out);
  std::string line;
  for (int64_t b = 0; b < ids.size(0); ++b) {
    ASSERT_TRUE(std::getline(out, line));
    const auto j = nlohmann::json::parse(line);
    EXPECT_NEAR(j["logp"].get<double>(), logp[b].item<double>(), 1e-3) << "row " << b;
    EXPECT_EQ(j["tokens"].get<int64_t>(), mask[b].sum().item<int64_t>() - start[b].item<int64_t>());
  }
}

TEST(Score, TextIsTemplatedLikeGeneration) {
  // The text form of the first sppo_step row must score exactly as its ids do.
  test::TempDir dir;
  test::write_file(dir.file("in.jsonl"),
                   "{\"prompt\": \"Name a fruit that is yellow.\", \"response\": \"A banana is yellow.\"}\n");
  const auto r = test::run_process({test::sppo_binary(), "score", "--model", test::fixtures() + "/policy-f32", "--input",
                                    dir.file("in.jsonl"), "--template", "mistral"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto step = SafetensorsModel::open(test::fixtures() + "/expected/sppo_step.safetensors");
  EXPECT_NEAR(nlohmann::json::parse(r.out)["logp"].get<double>(), step.tensor("logp")[0].item<double>(), 1e-3);
}

TEST(Score, BadLinesNameFileAndLine) {
  test::TempDir dir;
  test::write_file(dir.file("in.jsonl"), "{\"prompt_ids\": [1, 2], \"response_ids\": [3]}\n{\"prompt_ids\": [1, 99999], \"response_ids\": [3]}\n");
  const auto r = test::run_process({test::sppo_binary(), "score", "--model", test::fixtures() + "/policy-f32", "--input",
                                    dir.file("in.jsonl")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "") << "nothing is scored when a line is bad";
  EXPECT_NE(r.err.find(dir.file("in.jsonl") + ":2: field \"prompt_ids\" position 1 = 99999: outside the vocabulary of 512 tokens"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sppo
