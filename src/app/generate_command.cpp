#include "app/commands.hpp"
#include "app/job_context.hpp"
#include "generate/generate_stage.hpp"
#include "io/run_layout.hpp"

namespace sppo {

int generate_command(const CommandLine& cl) {
  int argc = 0;
  char** argv = nullptr;
  JobContext job(cl, &argc, &argv);
  GenerateJob g;
  g.config = job.config();
  g.iteration = JobContext::int_flag(cl, "iteration").value_or(0);
  g.policy_dir = cl.flag("policy").value_or(policy_for_iteration(g.config, g.iteration));
  g.samples_path = cl.flag("samples").value_or(samples_path(g.config, g.iteration));
  run_generate_stage(g, MPI_COMM_WORLD, job.mpi().thread_multiple(), job.log());
  return 0;
}

}  // namespace sppo
