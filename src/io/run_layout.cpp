#include "io/run_layout.hpp"

#include <sys/stat.h>

#include <cerrno>

#include "core/error.hpp"

namespace sppo {

std::string run_root(const Config& config) { return config.run.dir + "/" + config.run.name; }

std::string iteration_dir(const Config& config, int64_t iteration) {
  return run_root(config) + "/iter-" + std::to_string(iteration);
}

std::string samples_path(const Config& config, int64_t iteration) { return iteration_dir(config, iteration) + "/samples.h5"; }

std::string trained_policy_dir(const Config& config, int64_t iteration) { return iteration_dir(config, iteration) + "/policy"; }

std::string policy_for_iteration(const Config& config, int64_t iteration) {
  return iteration == 0 ? config.policy.path : trained_policy_dir(config, iteration - 1);
}

std::string eval_dir(const Config& config) { return run_root(config) + "/eval"; }
std::string eval_responses_path(const Config& config, int64_t policy) {
  return eval_dir(config) + "/responses-" + std::to_string(policy) + ".h5";
}
std::string eval_result_path(const Config& config, int64_t policy) {
  return eval_dir(config) + "/winrate-" + std::to_string(policy) + ".json";
}
std::string logratios_path(const Config& config, int64_t iteration) { return iteration_dir(config, iteration) + "/logratios.csv"; }
std::string manifest_path(const Config& config) { return run_root(config) + "/manifest.yaml"; }
std::string report_path(const Config& config) { return run_root(config) + "/report.md"; }

void make_directories(const std::string& path) {
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    if (prefix.empty()) continue;
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) throw_io_error(prefix, "mkdir", errno);
  }
}

}  // namespace sppo
