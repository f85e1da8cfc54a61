#include "app/commands.hpp"
#include "app/job_context.hpp"
#include "pipeline/stage_jobs.hpp"

namespace sppo {

int generate_command(const CommandLine& cl) {
  int argc = 0;
  char** argv = nullptr;
  JobContext job(cl, &argc, &argv);
  GenerateJob g = generate_job(job.config(), JobContext::int_flag(cl, "iteration").value_or(0));
  g.policy_dir = cl.flag("policy").value_or(g.policy_dir);
  g.samples_path = cl.flag("samples").value_or(g.samples_path);
  run_generate_stage(g, MPI_COMM_WORLD, job.mpi().thread_multiple(), job.log());
  return 0;
}

}  // namespace sppo
