// `sppo compare` on the texts of ranker_cases.json gives the reference logits in both orders.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/safetensors.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

TEST(Compare, BothOrdersMatchTheReference) {
  const auto cases = nlohmann::json::parse(test::read_file(test::fixtures() + "/expected/ranker_cases.json"));
  const auto expected = SafetensorsModel::open(test::fixtures() + "/expected/ranker_forward.safetensors");
  test::TempDir dir;
  std::string input;
  for (const auto& c : cases["cases"])
    input += nlohmann::json{{"source", c["source"]}, {"a", c["candidate1"]}, {"b", c["candidate2"]}}.dump() + "\n";
  test::write_file(dir.file("in.jsonl"), input);
  const auto r = test::run_process(
      {test::sppo_binary(), "compare", "--ranker", test::fixtures() + "/ranker-f32", "--input", dir.file("in.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream out(r.out);
  std::string line;
  for (int64_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(std::getline(out, line));
    const auto j = nlohmann::json::parse(line);
    const double ab = expected.tensor("logits")[i].item<double>(), ba = expected.tensor("logits_swapped")[i].item<double>();
    EXPECT_NEAR(j["logit_ab"].get<double>(), ab, 1e-4);
    EXPECT_NEAR(j["logit_ba"].get<double>(), ba, 1e-4);
    EXPECT_NEAR(j["p_a_beats_b"].get<double>(), 1 / (1 + std::exp(-(ab - ba) / 2)), 1e-4);
  }
  test::write_file(dir.file("bad.jsonl"), "{\"source\": \"q\", \"a\": \"x\"}\n");
  const auto bad = test::run_process(
      {test::sppo_binary(), "compare", "--ranker", test::fixtures() + "/ranker-f32", "--input", dir.file("bad.jsonl")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find(dir.file("bad.jsonl") + ":1: field \"b\" must be a string"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace sppo
