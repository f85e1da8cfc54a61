#include "app/commands.hpp"
#include "app/job_context.hpp"
#include "io/run_layout.hpp"
#include "train/trainer.hpp"

namespace sppo {

int train_command(const CommandLine& cl) {
  int argc = 0;
  char** argv = nullptr;
  JobContext job(cl, &argc, &argv);
  TrainJob t;
  t.config = job.config();
  const int64_t iteration = JobContext::int_flag(cl, "iteration").value_or(0);
  t.policy_dir = cl.flag("policy").value_or(policy_for_iteration(t.config, iteration));
  t.samples_path = cl.flag("samples").value_or(samples_path(t.config, iteration));
  t.out_dir = cl.flag("out").value_or(trained_policy_dir(t.config, iteration));
  const std::string base = cl.flag("out") ? *cl.flag("out") + ".train" : iteration_dir(t.config, iteration);
  t.checkpoint_dir = base + "/ckpt";
  t.metrics_path = base + "/metrics.csv";
  t.max_steps = JobContext::int_flag(cl, "max-steps");
  run_train_stage(t, MPI_COMM_WORLD, job.mpi().thread_multiple(), job.threads(), job.log());
  return 0;
}

}  // namespace sppo
