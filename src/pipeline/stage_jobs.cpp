#include "pipeline/stage_jobs.hpp"

#include "io/prompts.hpp"
#include "io/run_layout.hpp"
#include "pipeline/folds.hpp"

namespace sppo {

GenerateJob generate_job(const Config& config, int64_t iteration) {
  GenerateJob g;
  g.config = config;
  g.iteration = iteration;
  g.policy_dir = policy_for_iteration(config, iteration);
  g.samples_path = samples_path(config, iteration);
  const auto prompts = read_prompts(config.data.prompts, config.data.prompt_field, config.data.id_field);
  g.prompt_indices = prompt_fold(static_cast<int64_t>(prompts.size()), config.run.iterations,
                                 static_cast<uint64_t>(config.run.seed), iteration % config.run.iterations);
  return g;
}

AnnotateJob annotate_job(const Config& config, int64_t iteration) {
  AnnotateJob a;
  a.config = config;
  a.samples_path = samples_path(config, iteration);
  return a;
}

TrainJob train_job(const Config& config, int64_t iteration) {
  TrainJob t;
  t.config = config;
  t.policy_dir = policy_for_iteration(config, iteration);
  t.samples_path = samples_path(config, iteration);
  t.out_dir = trained_policy_dir(config, iteration);
  t.checkpoint_dir = iteration_dir(config, iteration) + "/ckpt";
  t.metrics_path = iteration_dir(config, iteration) + "/metrics.csv";
  return t;
}

}  // namespace sppo
