#include <iostream>

#include "app/commands.hpp"
#include "app/job_context.hpp"
#include "pipeline/run_pipeline.hpp"
#include "train/stop_signal.hpp"

namespace sppo {

int run_command(const CommandLine& cl) {
  int argc = 0;
  char** argv = nullptr;
  JobContext job(cl, &argc, &argv);
  RunOptions options;
  options.restart_from = cl.flag("restart-from");
  options.thread_multiple = job.mpi().thread_multiple();
  options.threads_per_rank = job.threads();
  const RunSummary summary = run_pipeline(job.config(), options, MPI_COMM_WORLD, job.log());
  if (summary.interrupted) return kExitCheckpointed;
  if (job.mpi().rank() == 0) std::cout << "report: " << summary.report << "\n";
  return 0;
}

}  // namespace sppo
