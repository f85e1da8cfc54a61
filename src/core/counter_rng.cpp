#include "core/counter_rng.hpp"

namespace sppo {
namespace {

constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;    // Philox multipliers
constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;  // key schedule increments

// splitmix64: mixes (seed, iteration) into the 64-bit Philox key.
uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> c, std::array<uint32_t, 2> k) {
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t{kMul0} * c[0];
    const uint64_t p1 = uint64_t{kMul1} * c[2];
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<uint32_t>(p0)};
    k = {k[0] + kWeyl0, k[1] + kWeyl1};
  }
  return c;
}

double sample_uniform(const SampleStream& stream, uint64_t prompt_id, uint32_t sample, uint32_t step) {
  const uint64_t key = splitmix64(stream.seed ^ splitmix64(stream.iteration));
  const auto r = philox4x32({static_cast<uint32_t>(prompt_id), static_cast<uint32_t>(prompt_id >> 32), sample, step},
                            {static_cast<uint32_t>(key), static_cast<uint32_t>(key >> 32)});
  const uint64_t bits = ((uint64_t{r[0]} << 32) | r[1]) >> 11;  // 53 bits
  return static_cast<double>(bits) * 0x1.0p-53;
}

}  // namespace sppo
