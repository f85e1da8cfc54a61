#include "pipeline/stage_plan.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "io/fingerprint.hpp"
#include "io/model_fingerprint.hpp"
#include "io/run_layout.hpp"
#include "io/samples_file.hpp"

namespace sppo {
namespace fs = std::filesystem;
namespace {

constexpr StageKind kKinds[] = {StageKind::generate, StageKind::annotate, StageKind::train, StageKind::eval};

std::string file_fingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "missing";
  Fingerprint f;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) f.add(buf, static_cast<std::size_t>(in.gcount()));
  return f.hex();
}

std::string settings_fingerprint(const std::map<std::string, std::string>& settings) {
  Fingerprint f;
  for (const auto& [k, v] : settings) f.add(k).add(int64_t{0}).add(v).add(int64_t{1});
  return f.hex();
}

// Config keys whose section is `section`, except `skip` (keys that change speed or layout, not results).
void add_section(std::map<std::string, std::string>& out, const Config& config, const std::string& section,
                 const std::vector<std::string>& skip = {}) {
  for (const auto& [key, value] : config_values(config))
    if (key.rfind(section + ".", 0) == 0 && std::find(skip.begin(), skip.end(), key) == skip.end()) out[key] = value;
}

void add_judge(std::map<std::string, std::string>& out, const Config& config) {
  add_section(out, config, "ranker");
  if (config.ranker.type == RankerType::pairrm) out["ranker.fingerprint"] = fingerprint_model_folder(config.ranker.path);
}

// A fingerprint of what `stage` wrote into samples.h5 ("missing" without the file).
std::string samples_output_fingerprint(const std::string& path, SampleStage stage) {
  if (!fs::exists(path)) return "missing";
  return SamplesFile::open(path, SamplesFile::Access::read_only, RankGroup::serial()).output_fingerprint(stage);
}

void remove_path(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) throw_io_error(path, "remove", ec.value());
}

// Files of one evaluated policy.
void remove_eval(const Config& config, int64_t policy) {
  remove_path(eval_responses_path(config, policy));
  remove_path(eval_responses_path(config, policy) + ".partial");
  remove_path(eval_result_path(config, policy));
}

}  // namespace

std::string to_string(StageKind kind) {
  switch (kind) {
    case StageKind::generate: return "generate";
    case StageKind::annotate: return "annotate";
    case StageKind::train: return "train";
    case StageKind::eval: return "eval";
  }
  return "?";
}

std::string Stage::name() const { return "iter-" + std::to_string(iteration) + "/" + to_string(kind); }

std::vector<Stage> run_stages(const Config& config) {
  std::vector<Stage> out;
  for (int64_t t = 0; t < config.run.iterations; ++t)
    for (StageKind k : kKinds) out.push_back({t, k});
  return out;
}

Stage parse_stage(const std::string& text, const Config& config) {
  const std::string full = text.find('/') == std::string::npos ? "iter-0/" + text : text;
  std::string names;
  for (const Stage& s : run_stages(config)) {
    if (s.name() == full) return s;
    if (names.size() < 200) names += (names.empty() ? "" : ", ") + s.name();
  }
  throw ConfigError("sppo run: --restart-from " + text + ": no such stage in " + std::to_string(config.run.iterations) +
                    " iteration(s) (stages: " + names + (names.size() >= 200 ? ", ..." : "") +
                    "; a bare generate|annotate|train|eval means iteration 0)");
}

std::map<std::string, StageSettings> run_stage_settings(const Config& config) {
  // The inputs, fingerprinted once: they do not change while a run runs.
  const std::string prompts = file_fingerprint(config.data.prompts);
  const std::string eval_prompts = file_fingerprint(config.eval.prompts);
  const std::string policy = fingerprint_model_folder(config.policy.path);
  StageSettings judge;
  add_judge(judge, config);
  std::map<std::string, StageSettings> all;
  std::string upstream;  // the settings fingerprint of the stage each one follows (eval aside)
  for (const Stage& stage : run_stages(config)) {
    StageSettings s;
    switch (stage.kind) {
      case StageKind::generate:
        s["run.seed"] = std::to_string(config.run.seed);
        s["run.iterations"] = std::to_string(config.run.iterations);
        add_section(s, config, "data");
        add_section(s, config, "generate", {"generate.chunk_prompts"});
        s["policy.chat_template"] = config.policy.chat_template;
        if (config.policy.chat_template.find(".jinja") != std::string::npos)
          s["policy.chat_template.fingerprint"] = file_fingerprint(config.policy.chat_template);
        s["policy.dtype"] = to_string(config.policy.dtype);
        s["data.prompts.fingerprint"] = prompts;
        if (stage.iteration == 0) {
          s["policy.path"] = config.policy.path;
          s["policy.fingerprint"] = policy;
        } else {
          s["upstream"] = upstream;  // iteration t - 1's train
        }
        break;
      case StageKind::annotate:
        s = judge;
        s["annotate.winrate"] = to_string(config.annotate.winrate);
        s["upstream"] = upstream;
        break;
      case StageKind::train:
        add_section(s, config, "train", {"train.checkpoint_every", "train.keep_checkpoints"});
        if (config.train.data) s["train.data.fingerprint"] = file_fingerprint(*config.train.data);
        s["policy.end_of_turn"] = config.policy.end_of_turn.value_or("(template)");  // a text response's last token
        s["upstream"] = upstream;
        break;
      case StageKind::eval:
        add_section(s, config, "eval");
        s.insert(judge.begin(), judge.end());
        for (const char* key : {"generate.temperature", "generate.top_p", "generate.top_k", "generate.max_prompt_length"})
          for (const auto& [k, v] : config_values(config))
            if (k == key) s[k] = v;
        s["eval.prompts.fingerprint"] = eval_prompts;
        s["upstream"] = upstream;  // this iteration's train
        break;
    }
    if (stage.kind != StageKind::eval) upstream = settings_fingerprint(s);
    all[stage.name()] = std::move(s);
  }
  return all;
}

std::map<std::string, std::string> stage_outputs(const Config& config, const Stage& stage) {
  const int64_t t = stage.iteration;
  switch (stage.kind) {
    case StageKind::generate:
    case StageKind::annotate: {
      const SampleStage s = stage.kind == StageKind::generate ? SampleStage::generate : SampleStage::annotate;
      return {{samples_path(config, t) + ":" + SamplesFile::output_dataset(s), samples_output_fingerprint(samples_path(config, t), s)}};
    }
    case StageKind::train: {
      const std::string dir = trained_policy_dir(config, t);
      return {{dir, fs::exists(dir + "/config.json") ? fingerprint_model_folder(dir) : "missing"}};
    }
    case StageKind::eval:
      return {{eval_result_path(config, t + 1), file_fingerprint(eval_result_path(config, t + 1))}};
  }
  return {};
}

void clear_outputs_from(const Config& config, const Stage& stage) {
  const int64_t t = stage.iteration;
  for (int64_t later = t + 1; later < config.run.iterations; ++later) {
    remove_path(iteration_dir(config, later));
    remove_eval(config, later + 1);
  }
  remove_eval(config, t + 1);
  remove_path(logratios_path(config, t));
  if (stage.kind == StageKind::eval) return;
  if (stage.kind == StageKind::generate) {
    remove_path(iteration_dir(config, t));
    return;
  }
  for (const char* name : {"/ckpt", "/policy", "/metrics.csv"}) remove_path(iteration_dir(config, t) + name);
  const std::string samples = samples_path(config, t);
  if (!fs::exists(samples)) return;
  SamplesFile file = SamplesFile::open(samples, SamplesFile::Access::read_write, RankGroup::serial());
  file.clear_progress(SampleStage::reference);
  if (stage.kind == StageKind::annotate) {
    file.clear_progress(SampleStage::annotate);
    file.clear_ranker();
  }
}

}  // namespace sppo
