#pragma once
// defines: WinRate, the summary `sppo eval` reports of per-prompt win probabilities
// p_i = P(new response beats old response | prompt i) from the judge.
#include <cstdint>
#include <vector>

namespace sppo {

struct WinRate {
  int64_t prompts = 0;
  double mean = 0.5;            // (1/n) Σ p_i
  double low = 0.5, high = 0.5; // 95 % interval of the mean: mean ± 1.96 · s / √n (s: sample std of p_i)
  int64_t wins = 0, ties = 0, losses = 0;  // p_i > ½, = ½ (same response), < ½
};

WinRate summarize_win_rate(const std::vector<double>& p);

}  // namespace sppo
