#pragma once
// defines: the counter-based random stream of generation (Philox-4x32-10, Salmon et al.
// 2011): the uniform draw for step s of sample k of prompt p is a pure function of
// (seed, iteration, prompt id, k, s). No state is carried between draws, so the output does
// not depend on batch composition, rank count, scheduling or restarts.
#include <array>
#include <cstdint>

namespace sppo {

// Philox-4x32 with 10 rounds: 128-bit counter, 64-bit key -> 128 random bits.
std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key);

struct SampleStream {
  uint64_t seed = 0;
  uint64_t iteration = 0;
};

// Uniform in [0, 1) with 53 random bits.
double sample_uniform(const SampleStream& stream, uint64_t prompt_id, uint32_t sample, uint32_t step);

}  // namespace sppo
