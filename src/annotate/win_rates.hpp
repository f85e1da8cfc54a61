#pragma once
// defines: the win-rate estimates of SPEC.md §2 from one prompt's PairRM logit matrix
// M [K, K] (M[i][j]: logit that response i beats j, i shown as candidate 1; M[i][i] = 0).
#include <cstdint>
#include <vector>

#include "core/config.hpp"

namespace sppo {

// score (official, LLM-Blender's aggregation):
//   s_i = (1/K) Σ_j (M[i,j] − M[j,i]);  P[i,j] = σ(s_i − s_j);  winrate_i = (1/K) Σ_j P[i,j]
// direct: P[i,j] = σ((M[i,j] − M[j,i]) / 2), P[i,i] = ½;  winrate_i = (1/K) Σ_j P[i,j]
// `logits` is row-major K x K; returns K win rates.
std::vector<float> win_rates(const float* logits, int64_t K, WinrateMode mode);

// The official aggregated score s_i (used to pick the chosen/rejected pair).
std::vector<double> pairrm_scores(const float* logits, int64_t K);

// P[i,j] of `mode` above for one prompt's matrix (P[i,i] = ½); `s` is pairrm_scores(logits, K)
// in score mode and unused in direct mode.
double pair_probability(const float* logits, int64_t K, const std::vector<double>& s, int64_t i, int64_t j,
                        WinrateMode mode);

// The direct P(a beats b) = σ((m_ab − m_ba) / 2) from the two orders of one pair (m_ab: logit
// that a beats b, a shown first): what eval and `sppo compare` report.
double direct_pair_probability(double m_ab, double m_ba);

}  // namespace sppo
