#include "app/commands.hpp"
#include "app/job_context.hpp"
#include "pipeline/stage_jobs.hpp"

namespace sppo {

int annotate_command(const CommandLine& cl) {
  int argc = 0;
  char** argv = nullptr;
  JobContext job(cl, &argc, &argv);
  AnnotateJob a = annotate_job(job.config(), JobContext::int_flag(cl, "iteration").value_or(0));
  a.samples_path = cl.flag("samples").value_or(a.samples_path);
  run_annotate_stage(a, MPI_COMM_WORLD, job.mpi().thread_multiple(), job.log());
  return 0;
}

}  // namespace sppo
