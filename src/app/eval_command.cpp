#include <filesystem>
#include <iostream>

#include "app/commands.hpp"
#include "app/job_context.hpp"
#include "core/error.hpp"
#include "io/run_layout.hpp"
#include "pipeline/eval_stage.hpp"
#include "pipeline/stage_jobs.hpp"
#include "pipeline/report.hpp"

namespace sppo {

int eval_command(const CommandLine& cl) {
  int argc = 0;
  char** argv = nullptr;
  JobContext job(cl, &argc, &argv);
  const Config& config = job.config();
  job.hold_run_directory({run_root(config)});
  // --iteration T evaluates π_{T+1}, the policy iteration T trained; without it, every
  // trained policy of the run.
  std::vector<int64_t> policies;
  if (const auto t = JobContext::int_flag(cl, "iteration")) {
    policies.push_back(*t + 1);
  } else {
    for (int64_t p = 1; p <= config.run.iterations; ++p)
      if (std::filesystem::exists(policy_for_iteration(config, p) + "/config.json")) policies.push_back(p);
    if (policies.empty())
      throw ConfigError(run_root(config) + ": no trained policy to evaluate (run sppo run or sppo train first)");
  }
  for (int64_t p : policies) run_eval_stage(eval_job(config, p), job.run());
  if (job.rank() == 0) std::cout << "report: " << write_report(config, job.run().log()) << "\n";
  return 0;
}

}  // namespace sppo
