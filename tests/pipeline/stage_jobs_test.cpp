// The one place a Config becomes each stage's job: every key a stage reads lands in its job,
// and eval's responses are generations of their own (one sample, eval's prompts and lengths,
// one stream for every policy) without touching the config.
#include "pipeline/stage_jobs.hpp"

#include <gtest/gtest.h>

#include "io/run_layout.hpp"
#include "pipeline/folds.hpp"

namespace sppo {
namespace {

Config config() {
  return parse_config("run: {name: j, dir: runs, iterations: 2, seed: 7}\n"
                      "data: {prompts: tests/data/prompts.jsonl}\n"
                      "policy: {path: base, dtype: bfloat16, chat_template: none}\n"
                      "generate: {samples: 4, temperature: 0.5, top_p: 0.8, top_k: 3, max_new_tokens: 20, chunk_prompts: 6,"
                      " max_prompt_length: 50}\n"
                      "annotate: {batch_pairs: 9, winrate: direct}\n"
                      "train: {loss: sppo_single, micro_batch: 4, beta: 0.01}\n"
                      "eval: {prompts: tests/data/eval_prompts.jsonl, max_new_tokens: 11}\n",
                      "j.yaml");
}

TEST(StageJobs, GenerateTakesTheIterationsFoldPolicyAndSampling) {
  const Config c = config();
  const GenerateJob g = generate_job(c, 1);
  EXPECT_EQ(g.prompts.indices, prompt_fold(40, 2, 7, 1));
  EXPECT_EQ(g.policy_dir, "runs/j/iter-0/policy") << "π_1 generates iteration 1";
  EXPECT_EQ(g.dtype, DType::bfloat16);
  EXPECT_EQ(g.chat_template, "none");
  EXPECT_EQ(g.samples, 4);
  EXPECT_EQ(g.sampling.temperature, 0.5);
  EXPECT_EQ(g.sampling.top_k, 3);
  EXPECT_EQ(g.sampling.max_new_tokens, 20);
  EXPECT_EQ(g.chunk_prompts, 6);
  EXPECT_EQ(g.max_prompt_length, 50);
  EXPECT_EQ(g.stream.seed, 7u);
  EXPECT_EQ(g.stream.iteration, 1u);
  EXPECT_EQ(g.samples_path, samples_path(c, 1));
  EXPECT_EQ(g.config_yaml, config_to_yaml(c));
}

TEST(StageJobs, AnnotateAndTrainTakeTheirSections) {
  const Config c = config();
  const AnnotateJob a = annotate_job(c, 0);
  EXPECT_EQ(a.judge.batch_pairs, 9);
  EXPECT_EQ(a.winrate, WinrateMode::direct);
  const TrainJob t = train_job(c, 1);
  EXPECT_EQ(t.train.loss, LossKind::sppo_single);
  EXPECT_EQ(t.policy_dir, "runs/j/iter-0/policy");
  EXPECT_EQ(t.out_dir, "runs/j/iter-1/policy");
  EXPECT_EQ(t.checkpoint_dir, "runs/j/iter-1/ckpt");
  EXPECT_EQ(t.winrate, WinrateMode::direct);
  EXPECT_EQ(t.seed, 7u);
}

TEST(StageJobs, EvalComparesWithTheBaseAndThePreviousPolicyOnItsOwnPrompts) {
  const Config c = config();
  const EvalJob e = eval_job(c, 2);
  ASSERT_EQ(e.responses.size(), 3u);
  for (const auto& [q, g] : e.responses) {
    SCOPED_TRACE(q);
    EXPECT_EQ(g.prompts.path, "tests/data/eval_prompts.jsonl");
    EXPECT_TRUE(g.prompts.indices.empty()) << "every eval prompt";
    EXPECT_EQ(g.samples, 1);
    EXPECT_EQ(g.sampling.max_new_tokens, 11);
    EXPECT_EQ(g.stream.iteration, static_cast<uint64_t>(kEvalStream)) << "one stream for every policy";
    EXPECT_EQ(g.samples_path, eval_responses_path(c, q));
    EXPECT_EQ(g.policy_dir, policy_for_iteration(c, q));
  }
  EXPECT_EQ(e.responses.at(0).policy_dir, "base");
  EXPECT_EQ(e.result_path, eval_result_path(c, 2));
  ASSERT_TRUE(e.logratios.has_value());
  EXPECT_EQ(e.logratios->samples_path, samples_path(c, 1));
  EXPECT_EQ(e.logratios->policy_dir, trained_policy_dir(c, 1));
  EXPECT_EQ(e.logratios->set.loss, LossKind::sppo_single);
  EXPECT_EQ(e.logratios->beta, 0.01);
  EXPECT_EQ(eval_job(c, 1).responses.size(), 2u) << "π_0 is also π_1's previous policy";
  Config jsonl = c;
  jsonl.train.data = "pairs.jsonl";
  EXPECT_FALSE(eval_job(jsonl, 1).logratios.has_value()) << "no samples.h5 to compare with";
}

}  // namespace
}  // namespace sppo
