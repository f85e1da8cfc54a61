#include "pipeline/stage_plan.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

Config config_with(const std::vector<Override>& overrides = {}) {
  return parse_config("run: {iterations: 2}\ndata: {prompts: tests/data/prompts.jsonl}\n"
                      "eval: {prompts: tests/data/eval_prompts.jsonl}\nranker: {type: synthetic, rule: length}\n"
                      "policy: {path: " + test::fixtures() + "/policy-f32, chat_template: mistral}\n",
                      "plan.yaml", overrides);
}

TEST(StagePlan, StagesInOrderAndNames) {
  const auto stages = run_stages(config_with());
  ASSERT_EQ(stages.size(), 8u);
  EXPECT_EQ(stages[0].name(), "iter-0/generate");
  EXPECT_EQ(stages[7].name(), "iter-1/eval");
  EXPECT_EQ(parse_stage("train", config_with()).name(), "iter-0/train");
  EXPECT_EQ(parse_stage("iter-1/annotate", config_with()).name(), "iter-1/annotate");
  EXPECT_THROW(parse_stage("iter-2/train", config_with()), ConfigError);
}

TEST(StagePlan, AChangeReachesItsStageAndEveryStageAfterItOnly) {
  const auto base = run_stage_settings(config_with());
  EXPECT_EQ(base.at("iter-0/train").at("train.lr"), "5e-07");
  EXPECT_FALSE(base.at("iter-0/generate").at("policy.fingerprint").empty());
  EXPECT_EQ(base.at("iter-0/train").count("train.checkpoint_every"), 0u);  // speed, not results
  const auto lr = run_stage_settings(config_with({{"train.lr", "1e-3"}}));
  for (const char* same : {"iter-0/generate", "iter-0/annotate"}) EXPECT_EQ(lr.at(same), base.at(same)) << same;
  for (const char* changed : {"iter-0/train", "iter-0/eval", "iter-1/generate", "iter-1/annotate", "iter-1/train", "iter-1/eval"})
    EXPECT_NE(lr.at(changed), base.at(changed)) << changed;
  // Evaluation feeds nothing downstream: its settings change only the evals.
  const auto eval = run_stage_settings(config_with({{"eval.max_new_tokens", "7"}}));
  for (const auto& [name, settings] : base)
    EXPECT_EQ(eval.at(name) == settings, name.find("/eval") == std::string::npos) << name;
  EXPECT_EQ(run_stage_settings(config_with({{"train.checkpoint_every", "3"}})), base);
}

}  // namespace
}  // namespace sppo
