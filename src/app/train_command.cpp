#include "app/commands.hpp"
#include "app/job_context.hpp"
#include "pipeline/stage_jobs.hpp"

namespace sppo {

int train_command(const CommandLine& cl) {
  int argc = 0;
  char** argv = nullptr;
  JobContext job(cl, &argc, &argv);
  TrainJob t = train_job(job.config(), JobContext::int_flag(cl, "iteration").value_or(0));
  t.policy_dir = cl.flag("policy").value_or(t.policy_dir);
  t.samples_path = cl.flag("samples").value_or(t.samples_path);
  if (const auto out = cl.flag("out")) {  // checkpoints and metrics beside the folder
    t.out_dir = *out;
    t.checkpoint_dir = *out + ".train/ckpt";
    t.metrics_path = *out + ".train/metrics.csv";
  }
  t.max_steps = JobContext::int_flag(cl, "max-steps");
  job.hold_run_directory({t.out_dir, t.checkpoint_dir});
  return run_train_stage(t, job.run()).interrupted ? kExitCheckpointed : 0;
}

}  // namespace sppo
