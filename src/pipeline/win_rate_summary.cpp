#include "pipeline/win_rate_summary.hpp"

#include <algorithm>
#include <cmath>

namespace sppo {

WinRate summarize_win_rate(const std::vector<double>& p) {
  WinRate w;
  w.prompts = static_cast<int64_t>(p.size());
  if (p.empty()) return w;
  double sum = 0;
  for (double x : p) {
    sum += x;
    if (x > 0.5) ++w.wins;
    else if (x < 0.5) ++w.losses;
    else ++w.ties;
  }
  w.mean = sum / static_cast<double>(p.size());
  double ss = 0;
  for (double x : p) ss += (x - w.mean) * (x - w.mean);
  const double n = static_cast<double>(p.size());
  const double half = p.size() > 1 ? 1.96 * std::sqrt(ss / (n - 1)) / std::sqrt(n) : 0.5;
  w.low = std::max(0.0, w.mean - half);
  w.high = std::min(1.0, w.mean + half);
  return w;
}

}  // namespace sppo
