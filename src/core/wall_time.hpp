#pragma once
// defines: WallClock and seconds_since, the wall time of a stage's or a step's parts (the
// engine's phases, a training step, its all-gathers).
#include <chrono>

namespace sppo {

using WallClock = std::chrono::steady_clock;

// Seconds from `start` to now.
inline double seconds_since(WallClock::time_point start) {
  return std::chrono::duration<double>(WallClock::now() - start).count();
}

}  // namespace sppo
