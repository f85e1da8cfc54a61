#pragma once
// defines: the game-theory yardsticks of the Nash experiment (SPPO paper §4, theorem 4.1),
// for a preference matrix P (P[i][j] = P(answer i beats answer j), P + Pᵀ = 1):
//   exploitability(p) = max_y Σ_x p_x P[y][x] − ½, ≥ 0, and 0 exactly at a von Neumann winner;
//   von_neumann_winner(P): the mixed strategy no answer beats on average.
#include <vector>

namespace sppo {

using Matrix = std::vector<std::vector<double>>;

double exploitability(const std::vector<double>& p, const Matrix& P);

// Solved exactly (Aᵀp = 0, Σp = 1 with A = P − ½) when the winner has full support; otherwise
// approximated by 200000 steps of multiplicative weights averaged (exploitability < 1e-3).
std::vector<double> von_neumann_winner(const Matrix& P);

}  // namespace sppo
