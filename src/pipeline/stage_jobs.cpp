#include "pipeline/stage_jobs.hpp"

#include "io/prompts.hpp"
#include "io/run_layout.hpp"
#include "pipeline/folds.hpp"

namespace sppo {
namespace {

SamplingParams sampling(const GenerateConfig& g, int64_t max_new_tokens) {
  SamplingParams s;
  s.temperature = g.temperature;
  s.top_p = g.top_p;
  s.top_k = g.top_k;
  s.max_new_tokens = max_new_tokens;
  return s;
}

// The settings every generation shares (iteration's samples and eval's responses alike).
GenerateJob base_generate_job(const Config& config, const std::string& policy_dir) {
  GenerateJob g;
  g.prompts.field = config.data.prompt_field;
  g.prompts.id_field = config.data.id_field;
  g.policy_dir = policy_dir;
  g.dtype = config.policy.dtype;
  g.chat_template = config.policy.chat_template;
  g.end_of_turn = config.policy.end_of_turn;
  g.max_prompt_length = config.generate.max_prompt_length;
  g.chunk_prompts = config.generate.chunk_prompts;
  g.config_yaml = config_to_yaml(config);
  return g;
}

TrainSetSpec train_set_spec(const Config& config) {
  return {config.train.loss, config.train.max_length, config.train.max_prompt_length, config.annotate.winrate,
          config.policy.chat_template, config.policy.end_of_turn};
}

}  // namespace

GenerateJob generate_job(const Config& config, int64_t iteration) {
  GenerateJob g = base_generate_job(config, policy_for_iteration(config, iteration));
  g.prompts.path = config.data.prompts;
  const auto prompts = read_prompts(config.data.prompts, config.data.prompt_field, config.data.id_field);
  g.prompts.indices = prompt_fold(static_cast<int64_t>(prompts.size()), config.run.iterations,
                                  static_cast<uint64_t>(config.run.seed), iteration % config.run.iterations);
  g.samples = config.generate.samples;
  g.sampling = sampling(config.generate, config.generate.max_new_tokens);
  g.stream = {static_cast<uint64_t>(config.run.seed), static_cast<uint64_t>(iteration)};
  g.samples_path = samples_path(config, iteration);
  return g;
}

AnnotateJob annotate_job(const Config& config, int64_t iteration) {
  AnnotateJob a;
  a.samples_path = samples_path(config, iteration);
  a.judge = {config.ranker, config.annotate.batch_pairs};
  a.winrate = config.annotate.winrate;
  return a;
}

TrainJob train_job(const Config& config, int64_t iteration) {
  TrainJob t;
  t.train = config.train;
  t.policy_dir = policy_for_iteration(config, iteration);
  t.samples_path = samples_path(config, iteration);
  t.out_dir = trained_policy_dir(config, iteration);
  t.checkpoint_dir = iteration_dir(config, iteration) + "/ckpt";
  t.metrics_path = iteration_dir(config, iteration) + "/metrics.csv";
  t.seed = static_cast<uint64_t>(config.run.seed);
  t.winrate = config.annotate.winrate;
  t.chat_template = config.policy.chat_template;
  t.end_of_turn = config.policy.end_of_turn;
  return t;
}

EvalJob eval_job(const Config& config, int64_t policy) {
  EvalJob e;
  e.policy = policy;
  for (int64_t q : {int64_t{0}, policy - 1, policy}) {
    if (q < 0) continue;
    // One response per eval prompt, all policies drawing from one stream.
    GenerateJob g = base_generate_job(config, policy_for_iteration(config, q));
    g.prompts.path = config.eval.prompts;
    g.samples = 1;
    g.sampling = sampling(config.generate, config.eval.max_new_tokens);
    g.stream = {static_cast<uint64_t>(config.run.seed), static_cast<uint64_t>(kEvalStream)};
    g.samples_path = eval_responses_path(config, q);
    e.responses[q] = g;
  }
  e.judge = {config.ranker, config.annotate.batch_pairs};
  e.eval_dir = eval_dir(config);
  e.result_path = eval_result_path(config, policy);
  if (!config.train.data && policy >= 1) {
    LogRatioJob l;
    l.samples_path = samples_path(config, policy - 1);
    l.policy_dir = trained_policy_dir(config, policy - 1);
    l.set = train_set_spec(config);
    l.batch = config.train.micro_batch;
    l.beta = config.train.beta;
    l.out_path = logratios_path(config, policy - 1);
    e.logratios = l;
  }
  return e;
}

}  // namespace sppo
