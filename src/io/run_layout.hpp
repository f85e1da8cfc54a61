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

// Evaluation (`sppo eval`): policy p is π_p (0 = the base policy.path).
//   <run>/eval/responses-<p>.h5   one response per eval prompt (a samples.h5 with K = 1)
//   <run>/eval/winrate-<p>.json   π_p against π_0 and against π_{p-1}
//   <run>/iter-<t>/logratios.csv  a(y) = log π_{t+1}(y|x) − log π_t(y|x) of iteration t's training rows
std::string eval_dir(const Config& config);
std::string eval_responses_path(const Config& config, int64_t policy);
std::string eval_result_path(const Config& config, int64_t policy);
std::string logratios_path(const Config& config, int64_t iteration);
std::string manifest_path(const Config& config);
std::string report_path(const Config& config);

// mkdir -p; throws IoError naming the path.
void make_directories(const std::string& path);

}  // namespace sppo
