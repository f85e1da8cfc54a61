#include "generate/sampler.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "core/error.hpp"
#include "thread_count.hpp"

namespace sppo {
namespace {

at::Tensor logits_of(const std::vector<double>& probs) {
  at::Tensor p = at::tensor(probs, at::kDouble).to(at::kFloat);
  return p.log().unsqueeze(0);
}

// The CPU path's pick; the device path (sorted, as on a GPU) must pick the same.
int64_t pick(const std::vector<double>& probs, double u, SamplingParams params) {
  params.temperature = params.temperature == 0 ? 0 : 1.0;
  const int64_t cpu = sample_tokens(logits_of(probs), {u}, params)[0].item<int64_t>();
  EXPECT_EQ(sample_tokens_sorted(logits_of(probs), {u}, params)[0].item<int64_t>(), cpu) << "u = " << u;
  return cpu;
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

// The GPU's sampler is tensor operations; on the CPU the same code must pick what the
// selection-based sampler picks, row for row: 32000-token vocabularies at several
// temperatures, top-p and top-k, including rows with tied logits.
TEST(Sampler, TheSortedDevicePathPicksWhatTheCpuPathPicks) {
  at::manual_seed(3);
  const int64_t rows = 96, vocab = 32000;
  at::Tensor logits = at::randn({rows, vocab}) * 3;
  logits.slice(0, 0, 8).slice(1, 0, 200).fill_(4.0);  // ties at the top of 8 rows
  std::vector<double> u(rows);
  for (int64_t r = 0; r < rows; ++r) u[static_cast<std::size_t>(r)] = (static_cast<double>(r) * 0.6180339887) - std::floor(static_cast<double>(r) * 0.6180339887);
  for (const auto& [temperature, top_p, top_k] : std::vector<std::tuple<double, double, int64_t>>{
           {0.7, 0.9, 0}, {1.0, 1.0, 0}, {0.3, 0.5, 0}, {1.3, 0.95, 40}, {0.7, 1.0, 1}, {0.0, 1.0, 0},
           {0.05, 0.9, 0}, {3.0, 0.99, 0}}) {
    SamplingParams p;
    p.temperature = temperature;
    p.top_p = top_p;
    p.top_k = top_k;
    const at::Tensor cpu = sample_tokens(logits, u, p), sorted = sample_tokens_sorted(logits, u, p);
    EXPECT_TRUE(cpu.equal(sorted)) << "T " << temperature << ", top_p " << top_p << ", top_k " << top_k << ": "
                                   << cpu.ne(sorted).sum().item<int64_t>() << " rows differ";
  }
}

// SPEC.md §1 written out the slow way: sort the whole row (probability descending, id
// ascending), float64 running sums in that order, keep through the first sum >= top_p, pick the
// first whose sum exceeds u × kept mass.
int64_t reference_pick(const float* probs, int64_t vocab, double u, double top_p) {
  std::vector<int64_t> order(static_cast<std::size_t>(vocab));
  for (int64_t i = 0; i < vocab; ++i) order[static_cast<std::size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return probs[a] > probs[b]; });
  std::vector<double> cumulative;
  double sum = 0;
  for (int64_t id : order) {
    sum += probs[id];
    cumulative.push_back(sum);
    if (sum >= top_p) break;
  }
  const double target = u * cumulative.back();
  for (std::size_t i = 0; i < cumulative.size(); ++i)
    if (cumulative[i] > target) return order[i];
  return order[cumulative.size() - 1];
}

// Rows whose probabilities spread over many magnitude buckets, and rows that put a whole
// vocabulary into a few (flat logits), at the engine's default settings.
TEST(Sampler, PicksWhatAFullSortPicks) {
  at::manual_seed(11);
  const int64_t rows = 64, vocab = 32000;
  at::Tensor logits = at::randn({rows, vocab}) * at::linspace(0.05, 6.0, rows).unsqueeze(1);
  std::vector<double> u(rows);
  for (int64_t r = 0; r < rows; ++r) u[static_cast<std::size_t>(r)] = std::fmod(0.37 + static_cast<double>(r) * 0.7548776662, 1.0);
  for (double top_p : {0.9, 0.5, 1.0}) {
    SamplingParams p;
    p.temperature = 0.7;
    p.top_p = top_p;
    const at::Tensor tokens = sample_tokens(logits, u, p);
    const at::Tensor probs = at::softmax(logits / p.temperature, -1).contiguous();
    int64_t differ = 0;
    for (int64_t r = 0; r < rows; ++r)
      differ += tokens[r].item<int64_t>() != reference_pick(probs[r].data_ptr<float>(), vocab, u[static_cast<std::size_t>(r)], top_p);
    EXPECT_EQ(differ, 0) << "top_p " << top_p;
  }
}

// at::parallel_for is a header template whose threads come from `#pragma omp parallel` in the
// calling translation unit: built without OpenMP (as sppo was until this test), it runs every
// range on one thread, and the sampler's rows and PairRM's attention tasks ran serially.
TEST(Sampler, ParallelForSpreadsRowsOverThreads) {
  std::vector<int> thread_of(64, -1);
  {
    const test::ThreadCount two(2);
    at::parallel_for(0, 64, 1, [&](int64_t first, int64_t last) {
      for (int64_t i = first; i < last; ++i) thread_of[static_cast<std::size_t>(i)] = at::get_thread_num();
    });
  }
  EXPECT_EQ(thread_of.front(), 0);
  EXPECT_EQ(thread_of.back(), 1);
}

TEST(Sampler, TokensDoNotDependOnTheThreadCount) {
  at::manual_seed(5);
  const int64_t rows = 13, vocab = 32000;
  const at::Tensor logits = at::randn({rows, vocab}) * at::linspace(0.2, 4.0, rows).unsqueeze(1);
  std::vector<double> u(rows);
  for (int64_t r = 0; r < rows; ++r) u[static_cast<std::size_t>(r)] = std::fmod(0.11 + static_cast<double>(r) * 0.618034, 1.0);
  SamplingParams p;
  at::Tensor one, two;
  {
    const test::ThreadCount count(1);
    one = sample_tokens(logits, u, p);
  }
  {
    const test::ThreadCount count(2);
    two = sample_tokens(logits, u, p);
  }
  EXPECT_TRUE(one.equal(two));
  for (int64_t r = 0; r < rows; ++r) {  // and each row alone picks what it picks in the batch
    const at::Tensor alone = sample_tokens(logits.slice(0, r, r + 1), {u[static_cast<std::size_t>(r)]}, p);
    EXPECT_EQ(alone[0].item<int64_t>(), one[r].item<int64_t>()) << "row " << r;
  }
}

TEST(Sampler, ARowWithoutFiniteProbabilitiesIsAnError) {
  at::Tensor logits = at::zeros({2, 100});
  logits[1][7] = std::numeric_limits<float>::quiet_NaN();
  SamplingParams p;
  EXPECT_THROW(sample_tokens(logits, {0.5, 0.5}, p), Error);
  {
    const test::ThreadCount two(2);  // thrown on the second thread, caught on the caller's
    EXPECT_THROW(sample_tokens(logits, {0.5, 0.5}, p), Error);
  }
  logits[1][7] = -std::numeric_limits<float>::infinity();  // a masked token is fine
  EXPECT_NO_THROW(sample_tokens(logits, {0.5, 0.5}, p));
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
