#include <iostream>

#include "app/commands.hpp"
#include "app/job_context.hpp"
#include "io/run_layout.hpp"
#include "pipeline/run_pipeline.hpp"

namespace sppo {

int run_command(const CommandLine& cl) {
  int argc = 0;
  char** argv = nullptr;
  JobContext job(cl, &argc, &argv);
  job.hold_run_directory({run_root(job.config())});
  RunOptions options;
  options.restart_from = cl.flag("restart-from");
  const RunSummary summary = run_pipeline(job.config(), options, job.run());
  if (summary.interrupted) return kExitCheckpointed;
  if (job.rank() == 0) std::cout << "report: " << summary.report << "\n";
  return 0;
}

}  // namespace sppo
