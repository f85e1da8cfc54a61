#include "pipeline/run_pipeline.hpp"

#include <filesystem>

#include "annotate/judge.hpp"
#include "core/error.hpp"
#include "io/prompts.hpp"
#include "model/causal_lm.hpp"
#include "model/chat_format.hpp"
#include "io/run_layout.hpp"
#include "pipeline/eval_stage.hpp"
#include "pipeline/folds.hpp"
#include "pipeline/manifest.hpp"
#include "pipeline/report.hpp"
#include "pipeline/stage_jobs.hpp"
#include "pipeline/stage_plan.hpp"

namespace sppo {
namespace {

// "generate.temperature (0.7 -> 0.9), upstream" for the message of a refused rerun.
std::string changed_keys(const std::map<std::string, std::string>& recorded, const std::map<std::string, std::string>& now) {
  std::string out;
  auto add = [&](const std::string& key, const std::string& was, const std::string& is) {
    if (out.size() > 300) return;
    out += (out.empty() ? "" : ", ") + key + (key == "upstream" ? " (an earlier stage's settings)" : " (" + was + " -> " + is + ")");
  };
  for (const auto& [k, v] : now) {
    auto it = recorded.find(k);
    if (it == recorded.end()) add(k, "unset", v);
    else if (it->second != v) add(k, it->second, v);
  }
  for (const auto& [k, v] : recorded)
    if (!now.count(k)) add(k, v, "unset");
  return out;
}

// A stop signal on any rank after a stage that finished: the run ends there (collective).
bool stop_before_next(const RunContext& ctx) {
  return ctx.group().all_reduce(ctx.stop_requested() ? 1 : 0, HostReduce::max) > 0;
}

// Every input is read and checked before the first stage touches a file.
void check_inputs(const Config& config) {
  if (!std::filesystem::is_directory(config.policy.path))
    throw ConfigError(config.source + ": policy.path = " + config.policy.path + ": no such model folder");
  check_causal_lm_folder(config.policy.path);  // every header and tensor shape, no weight read
  const PolicyTokenizer tokenizer(config.policy.path);
  ChatFormat::resolve(config.policy.chat_template, config.policy.end_of_turn, tokenizer);  // the template parses
  const auto prompts = read_prompts(config.data.prompts, config.data.prompt_field, config.data.id_field);
  prompt_fold(static_cast<int64_t>(prompts.size()), config.run.iterations, static_cast<uint64_t>(config.run.seed), 0);
  read_prompts(config.eval.prompts, config.data.prompt_field, config.data.id_field);
  make_judge({config.ranker, config.annotate.batch_pairs});  // a PairRM folder is loaded and checked here, not after generation
}

// False when the stage stopped early on a signal (its work saved) and must not be recorded.
bool run_stage(const Config& config, const Stage& stage, const RunContext& ctx) {
  ctx.log().info("run: " + stage.name());
  switch (stage.kind) {
    case StageKind::generate: return !run_generate_stage(generate_job(config, stage.iteration), ctx).interrupted;
    case StageKind::annotate: return !run_annotate_stage(annotate_job(config, stage.iteration), ctx).interrupted;
    case StageKind::train: return !run_train_stage(train_job(config, stage.iteration), ctx).interrupted;
    case StageKind::eval: run_eval_stage(eval_job(config, stage.iteration + 1), ctx); return true;
  }
  return true;
}

}  // namespace

RunSummary run_pipeline(const Config& config, const RunOptions& options, const RunContext& ctx) {
  const RankGroup& group = ctx.group();
  const Log& log = ctx.log();
  check_inputs(config);
  const std::string manifest_file = manifest_path(config);
  Manifest manifest;
  std::map<std::string, StageSettings> settings_of;  // rank 0's, for the decisions and the records
  decide_on_rank0(group, [&] {
    settings_of = run_stage_settings(config);
    make_directories(run_root(config));
    manifest = Manifest::load(manifest_file);
    if (options.restart_from) {
      const Stage from = parse_stage(*options.restart_from, config);
      log.info("run: restarting from " + from.name() + ": its outputs and every later stage's are removed");
      clear_outputs_from(config, from);
      bool after = false;
      for (const Stage& s : run_stages(config)) {
        after = after || s.name() == from.name();
        if (after) manifest.erase(s.name());
      }
      manifest.save(manifest_file);
    }
    return true;
  });

  RunSummary summary;
  bool evals_cleared = false;
  for (const Stage& stage : run_stages(config)) {
    const bool run = decide_on_rank0(group, [&] {
      const StageRecord* record = manifest.find(stage.name());
      if (!record) {
        if (stage.kind != StageKind::eval) {  // what follows will be redone from this stage's new output
          bool after = false;
          for (const Stage& s : run_stages(config)) {
            if (after && s.kind != StageKind::eval) manifest.erase(s.name());
            after = after || s.name() == stage.name();
          }
        }
        return true;
      }
      const StageSettings& settings = settings_of.at(stage.name());
      if (stage.kind == StageKind::eval) {
        // Evaluation feeds nothing downstream: new eval settings re-evaluate every policy.
        if (record->settings != settings && !evals_cleared) {
          log.info("run: eval settings changed (" + changed_keys(record->settings, settings) + "): re-evaluating");
          std::filesystem::remove_all(eval_dir(config));
          for (const Stage& s : run_stages(config))
            if (s.kind == StageKind::eval) manifest.erase(s.name());
          manifest.save(manifest_file);
          evals_cleared = true;
          return true;
        }
        return record->settings != settings || record->outputs != stage_outputs(config, stage);
      }
      if (record->settings != settings)
        throw ConfigError(manifest_file + ": " + stage.name() + " finished with other settings: " +
                          changed_keys(record->settings, settings) + "; rerun with --restart-from " + stage.name() +
                          " to redo it and every later stage (or restore the config)");
      const auto outputs = stage_outputs(config, stage);
      if (record->outputs != outputs) {
        std::string which;
        for (const auto& [path, fp] : record->outputs)
          if (outputs.count(path) == 0 || outputs.at(path) != fp) which += (which.empty() ? "" : ", ") + path;
        throw ConfigError(manifest_file + ": " + stage.name() + ": " + which + " changed or vanished since the stage finished; "
                          "rerun with --restart-from " + stage.name() + " to redo it");
      }
      return false;
    });
    if (!run) {
      ++summary.stages_skipped;
      continue;
    }
    if (!run_stage(config, stage, ctx)) {
      summary.interrupted = true;
      log.info("run: stopped in " + stage.name() + " on " + ctx.stop_signal_name() +
               "; its finished work is saved: rerun the same command to continue");
      return summary;
    }
    ++summary.stages_run;
    decide_on_rank0(group, [&] {
      StageRecord r{stage.name(), settings_of.at(stage.name()), stage_outputs(config, stage), utc_now()};
      manifest.record(std::move(r));
      manifest.save(manifest_file);
      if (stage.kind == StageKind::eval) summary.report = write_report(config, log);
      return true;
    });
    if (stop_before_next(ctx)) {
      summary.interrupted = true;
      log.info("run: stopped after " + stage.name() + " on " + ctx.stop_signal_name() + ": rerun the same command to continue");
      return summary;
    }
  }
  decide_on_rank0(group, [&] {  // the last eval wrote it, unless every stage had finished before
    if (summary.report.empty()) summary.report = write_report(config, log);
    return true;
  });
  log.info("run: " + std::to_string(summary.stages_run) + " stage(s) run, " + std::to_string(summary.stages_skipped) +
           " already finished; report: " + summary.report);
  return summary;
}

}  // namespace sppo
