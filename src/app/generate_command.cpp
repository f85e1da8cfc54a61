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
  job.hold_run_directory({g.samples_path});
  return run_generate_stage(g, job.run()).interrupted ? kExitCheckpointed : 0;
}

}  // namespace sppo
