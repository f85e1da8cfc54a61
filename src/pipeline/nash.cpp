#include "pipeline/nash.hpp"

#include <algorithm>
#include <cmath>

namespace sppo {
namespace {

// Gaussian elimination with partial pivoting; false when singular.
bool solve(Matrix a, std::vector<double> b, std::vector<double>& x) {
  const std::size_t n = b.size();
  for (std::size_t c = 0; c < n; ++c) {
    std::size_t pivot = c;
    for (std::size_t r = c + 1; r < n; ++r)
      if (std::abs(a[r][c]) > std::abs(a[pivot][c])) pivot = r;
    if (std::abs(a[pivot][c]) < 1e-12) return false;
    std::swap(a[c], a[pivot]);
    std::swap(b[c], b[pivot]);
    for (std::size_t r = 0; r < n; ++r) {
      if (r == c) continue;
      const double f = a[r][c] / a[c][c];
      for (std::size_t k = c; k < n; ++k) a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  x.resize(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = b[i] / a[i][i];
  return true;
}

}  // namespace

double exploitability(const std::vector<double>& p, const Matrix& P) {
  double best = -1;
  for (std::size_t y = 0; y < P.size(); ++y) {
    double v = 0;
    for (std::size_t x = 0; x < p.size(); ++x) v += p[x] * P[y][x];
    best = std::max(best, v);
  }
  return best - 0.5;
}

std::vector<double> von_neumann_winner(const Matrix& P) {
  const std::size_t n = P.size();
  // Full support: every answer earns exactly ½ against p: Σ_x (P[y][x] − ½) p_x = 0 for all y;
  // n − 1 of these (they are dependent) plus Σ p = 1.
  Matrix a(n, std::vector<double>(n, 0.0));
  std::vector<double> b(n, 0.0), p;
  for (std::size_t y = 0; y + 1 < n; ++y)
    for (std::size_t x = 0; x < n; ++x) a[y][x] = P[y][x] - 0.5;
  for (std::size_t x = 0; x < n; ++x) a[n - 1][x] = 1.0;
  b[n - 1] = 1.0;
  if (solve(a, b, p) && std::all_of(p.begin(), p.end(), [](double v) { return v >= 0; }) && exploitability(p, P) < 1e-9)
    return p;
  // Otherwise: multiplicative weights against itself, averaged (the SPPO update in closed form).
  std::vector<double> w(n, 1.0 / static_cast<double>(n)), avg(n, 0.0);
  const int steps = 200000;
  const double eta = 0.05;
  for (int s = 0; s < steps; ++s) {
    std::vector<double> next(n);
    double z = 0;
    for (std::size_t y = 0; y < n; ++y) {
      double v = 0;
      for (std::size_t x = 0; x < n; ++x) v += w[x] * P[y][x];
      next[y] = w[y] * std::exp(eta * v);
      z += next[y];
    }
    for (std::size_t y = 0; y < n; ++y) {
      w[y] = next[y] / z;
      avg[y] += w[y] / steps;
    }
  }
  return avg;
}

}  // namespace sppo
