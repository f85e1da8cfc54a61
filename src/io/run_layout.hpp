#pragma once
// defines: where a run's files live (DESIGN.md §4):
//   <run.dir>/<run.name>/iter-<t>/{samples.h5, ckpt/, policy/, metrics.csv}
// Iteration t (0-based) generates with π_t and trains π_{t+1}, written to iter-<t>/policy;
// π_0 is the configured policy.path.
#include <cstdint>
#include <string>

#include "core/config.hpp"

namespace sppo {

std::string run_root(const Config& config);
std::string iteration_dir(const Config& config, int64_t iteration);
std::string samples_path(const Config& config, int64_t iteration);
std::string trained_policy_dir(const Config& config, int64_t iteration);  // π_{t+1}
std::string policy_for_iteration(const Config& config, int64_t iteration);  // π_t

// mkdir -p; throws IoError naming the path.
void make_directories(const std::string& path);

}  // namespace sppo
