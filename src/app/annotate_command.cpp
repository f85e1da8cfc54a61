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
  job.hold_run_directory({a.samples_path});
  return run_annotate_stage(a, job.run()).interrupted ? kExitCheckpointed : 0;
}

}  // namespace sppo
