#include "annotate/win_rates.hpp"

#include <cmath>

namespace sppo {
namespace {
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
}  // namespace

std::vector<double> pairrm_scores(const float* M, int64_t K) {
  std::vector<double> s(static_cast<std::size_t>(K), 0.0);
  for (int64_t i = 0; i < K; ++i) {
    for (int64_t j = 0; j < K; ++j) s[static_cast<std::size_t>(i)] += static_cast<double>(M[i * K + j]) - M[j * K + i];
    s[static_cast<std::size_t>(i)] /= static_cast<double>(K);
  }
  return s;
}

double direct_pair_probability(double m_ab, double m_ba) { return sigmoid((m_ab - m_ba) / 2.0); }

double pair_probability(const float* M, int64_t K, const std::vector<double>& s, int64_t i, int64_t j, WinrateMode mode) {
  if (mode == WinrateMode::score) return sigmoid(s[static_cast<std::size_t>(i)] - s[static_cast<std::size_t>(j)]);
  return i == j ? 0.5 : direct_pair_probability(M[i * K + j], M[j * K + i]);
}

std::vector<float> win_rates(const float* M, int64_t K, WinrateMode mode) {
  std::vector<float> out(static_cast<std::size_t>(K));
  const std::vector<double> s = mode == WinrateMode::score ? pairrm_scores(M, K) : std::vector<double>();
  for (int64_t i = 0; i < K; ++i) {
    double total = 0;
    for (int64_t j = 0; j < K; ++j) total += pair_probability(M, K, s, i, j, mode);
    out[static_cast<std::size_t>(i)] = static_cast<float>(total / static_cast<double>(K));
  }
  return out;
}

}  // namespace sppo
