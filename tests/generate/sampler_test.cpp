#include "generate/sampler.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

namespace sppo {
namespace {

at::Tensor logits_of(const std::vector<double>& probs) {
  at::Tensor p = at::tensor(probs, at::kDouble).to(at::kFloat);
  return p.log().unsqueeze(0);
}

int64_t pick(const std::vector<double>& probs, double u, SamplingParams params) {
  params.temperature = params.temperature == 0 ? 0 : 1.0;
  return sample_tokens(logits_of(probs), {u}, params)[0].item<int64_t>();
}

TEST(Sampler, GreedyIsArgmaxWithTheLowestIdOnTies) {
  SamplingParams greedy;
  greedy.temperature = 0;
  at::Tensor logits = at::tensor({1.0f, 3.0f, 3.0f, 0.0f}).unsqueeze(0);
  EXPECT_EQ(sample_tokens(logits, {0.99}, greedy)[0].item<int64_t>(), 1);
}

TEST(Sampler, TopPKeepsTheSmallestPrefixReachingP) {
  // probabilities 0.5, 0.3, 0.15, 0.05 (ids 2, 0, 3, 1); top_p 0.75 keeps {2, 0}: mass 0.8.
  const std::vector<double> probs{0.3, 0.05, 0.5, 0.15};
  SamplingParams p;
  p.top_p = 0.75;
  EXPECT_EQ(pick(probs, 0.0, p), 2);
  EXPECT_EQ(pick(probs, 0.62, p), 2);  // 0.62 * 0.8 = 0.496 < 0.5
  EXPECT_EQ(pick(probs, 0.63, p), 0);  // 0.504 >= 0.5
  EXPECT_EQ(pick(probs, 0.999, p), 0);
  p.top_p = 0.8;  // exactly reached by {2, 0}: still two tokens
  EXPECT_EQ(pick(probs, 0.999, p), 0);
  p.top_p = 0.81;  // needs the third
  EXPECT_EQ(pick(probs, 0.999, p), 3);
  p.top_p = 0.01;  // always at least one token
  EXPECT_EQ(pick(probs, 0.999, p), 2);
  p.top_p = 1.0;
  EXPECT_EQ(pick(probs, 0.9999, p), 1);
}

TEST(Sampler, TopKAndTemperature) {
  const std::vector<double> probs{0.3, 0.05, 0.5, 0.15};
  SamplingParams p;
  p.top_p = 1.0;
  p.top_k = 1;
  EXPECT_EQ(pick(probs, 0.999, p), 2);
  // Temperature 2 flattens: probabilities ∝ sqrt(p).
  at::Tensor logits = logits_of(probs);
  SamplingParams hot;
  hot.top_p = 1.0;
  hot.temperature = 2.0;
  const double norm = std::sqrt(0.3) + std::sqrt(0.05) + std::sqrt(0.5) + std::sqrt(0.15);
  const double first = std::sqrt(0.5) / norm;  // id 2 comes first in sorted order
  EXPECT_EQ(sample_tokens(logits, {first - 1e-4}, hot)[0].item<int64_t>(), 2);
  EXPECT_EQ(sample_tokens(logits, {first + 1e-4}, hot)[0].item<int64_t>(), 0);
}

TEST(Sampler, FrequenciesFollowTheTruncatedDistribution) {
  // 4000 rows, stratified uniforms: the empirical frequencies equal the renormalised top-p
  // probabilities to within one stratum.
  const std::vector<double> probs{0.3, 0.05, 0.5, 0.15};
  const int n = 4000;
  at::Tensor logits = logits_of(probs).expand({n, 4}).contiguous();
  std::vector<double> u(n);
  for (int i = 0; i < n; ++i) u[i] = (i + 0.5) / n;
  SamplingParams p;
  p.temperature = 1.0;
  p.top_p = 0.9;  // keeps {2, 0, 3}: mass 0.95
  at::Tensor tokens = sample_tokens(logits, u, p);
  auto count = [&](int64_t id) { return (tokens == id).sum().item<int64_t>() / double(n); };
  EXPECT_NEAR(count(2), 0.5 / 0.95, 1e-3);
  EXPECT_NEAR(count(0), 0.3 / 0.95, 1e-3);
  EXPECT_NEAR(count(3), 0.15 / 0.95, 1e-3);
  EXPECT_EQ(count(1), 0.0);
}

TEST(Sampler, WideVocabularyFallsBackToAFullSort) {
  // A flat distribution over 5000 tokens: top_p 0.9 needs 4500 of them, beyond the first topk.
  at::Tensor logits = at::zeros({1, 5000});
  SamplingParams p;
  p.temperature = 1.0;
  p.top_p = 0.9;
  const int64_t t = sample_tokens(logits, {0.999}, p)[0].item<int64_t>();
  EXPECT_GE(t, 0);
  EXPECT_LT(t, 5000);
}

}  // namespace
}  // namespace sppo
