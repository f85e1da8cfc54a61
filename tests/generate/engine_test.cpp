#include "generate/engine.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "io/safetensors.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

struct Greedy {
  CausalLM model = CausalLM::load(test::fixtures() + "/policy-f32", at::kFloat);
  SafetensorsModel expected = SafetensorsModel::open(test::fixtures() + "/expected/policy_greedy.safetensors");
  std::vector<std::vector<int32_t>> prompts;
  Greedy() {
    const at::Tensor ids = expected.tensor("prompt_ids"), lengths = expected.tensor("prompt_lengths");
    for (int i = 0; i < 3; ++i) {
      const int64_t n = lengths[i].item<int64_t>();
      const int64_t* row = ids[i].data_ptr<int64_t>() + (ids.size(1) - n);
      prompts.emplace_back(row, row + n);
    }
  }
  static SamplingParams params() {
    SamplingParams p;
    p.temperature = 0;
    p.max_new_tokens = 24;
    p.stop_at_eos = false;  // the reference runs all 24 steps
    return p;
  }
  std::vector<int32_t> expected_row(const char* name, int i) const {
    at::Tensor t = expected.tensor(name)[i].contiguous();
    return {t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel()};
  }
};

TEST(Engine, GreedyBatchedMatchesTheReferenceTokenForToken) {
  Greedy g;
  const auto out = generate_samples(g.model, g.prompts, {0, 1, 2}, 1, Greedy::params(), {});
  ASSERT_EQ(out.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(out[i].tokens, g.expected_row("greedy_tokens_batched", i)) << "prompt " << i;
}

TEST(Engine, GreedySingleMatchesTheReference) {
  Greedy g;
  for (int i = 0; i < 3; ++i) {
    const auto out = generate_samples(g.model, {g.prompts[i]}, {i}, 1, Greedy::params(), {});
    EXPECT_EQ(out[0].tokens, g.expected_row("greedy_tokens_single", i)) << "prompt " << i;
  }
}

TEST(Engine, KSamplesShareThePrefillAndAreReproducible) {
  Greedy g;
  SamplingParams p;
  p.temperature = 1.0;
  p.top_p = 0.95;
  p.max_new_tokens = 12;
  GenerationStats stats;
  const auto a = generate_samples(g.model, g.prompts, {10, 11, 12}, 4, p, {42, 1}, &stats);
  ASSERT_EQ(a.size(), 12u);
  const int64_t prompt_tokens = g.prompts[0].size() + g.prompts[1].size() + g.prompts[2].size();
  EXPECT_EQ(stats.prefill_tokens, prompt_tokens) << "each prompt is prefilled once, not K times";
  EXPECT_GT(stats.decode_steps, 0);
  EXPECT_LE(stats.decode_steps, p.max_new_tokens - 1) << "the first token comes from the prefill's logits";
  EXPECT_GT(stats.prefill_seconds, 0.0);  // both phases are timed (their sum is the call's wall time)
  EXPECT_GT(stats.decode_seconds, 0.0);
  EXPECT_GT(stats.sample_seconds, 0.0);  // the sampler's part of the decode time
  EXPECT_LE(stats.sample_seconds, stats.decode_seconds);
  // The same prompt with the same id alone gives the same samples: batch composition does not matter.
  const auto alone = generate_samples(g.model, {g.prompts[1]}, {11}, 4, p, {42, 1});
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(alone[k].tokens, a[4 + k].tokens) << "sample " << k;
    EXPECT_EQ(alone[k].finished, a[4 + k].finished);
  }
  // Samples differ from each other, and with the seed.
  EXPECT_NE(a[0].tokens, a[1].tokens);
  const auto other_seed = generate_samples(g.model, g.prompts, {10, 11, 12}, 4, p, {43, 1});
  EXPECT_NE(other_seed[0].tokens, a[0].tokens);
  for (const auto& s : a) {
    EXPECT_LE(s.tokens.size(), 12u);
    if (s.finished) EXPECT_EQ(s.tokens.back(), 2);
    else EXPECT_EQ(s.tokens.size(), 12u);
  }
}

TEST(Engine, FinishedRowsStopAndTheRestContinueUnchanged) {
  // A hot temperature makes EOS likely early for some rows: compaction must not change the
  // rows that go on (each row equals its own single-prompt run).
  Greedy g;
  SamplingParams p;
  p.temperature = 3.0;
  p.top_p = 1.0;
  p.max_new_tokens = 40;
  const auto all = generate_samples(g.model, g.prompts, {0, 1, 2}, 8, p, {7, 3});
  int finished = 0;
  for (const auto& s : all) finished += s.finished;
  for (int i = 0; i < 3; ++i) {
    const auto alone = generate_samples(g.model, {g.prompts[i]}, {i}, 8, p, {7, 3});
    for (int k = 0; k < 8; ++k) EXPECT_EQ(alone[k].tokens, all[i * 8 + k].tokens) << i << "/" << k;
  }
  EXPECT_GT(finished, 0) << "the test needs some rows to finish early";
}

}  // namespace
}  // namespace sppo
