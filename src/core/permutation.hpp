#pragma once
// defines: seeded_permutation, the one shuffle of the project (the trainer's epoch order, the
// prompt folds of `sppo run`): Fisher-Yates over a splitmix64 stream of (seed, stream), so
// the order depends on those two numbers only, never on ranks, threads or the machine.
#include <cstdint>
#include <vector>

namespace sppo {

std::vector<int64_t> seeded_permutation(int64_t n, uint64_t seed, uint64_t stream);

}  // namespace sppo
