#include "pipeline/stage_plan.hpp"

#include <mpi.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "io/fingerprint.hpp"
#include "io/hdf5.hpp"
#include "io/run_layout.hpp"
#include "io/samples_schema.hpp"

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

// The data of one dataset of samples.h5, read block by block.
std::string dataset_fingerprint(const std::string& path, const std::string& dataset) {
  if (!fs::exists(path)) return "missing";
  h5::File file = h5::File::open(path, false, MPI_COMM_NULL);
  const h5::Dataset d = file.open_dataset(dataset);
  const auto dims = d.dims();
  const auto type = d.element_type();
  if (!type || dims.empty()) throw FormatError(path + ": " + dataset + ": not the dataset sppo wrote");
  int64_t row_elements = 1;
  for (std::size_t i = 1; i < dims.size(); ++i) row_elements *= dims[i];
  const std::size_t row_bytes = static_cast<std::size_t>(row_elements) * h5::element_size(*type);
  const int64_t block = std::max<int64_t>(1, static_cast<int64_t>((16u << 20) / std::max<std::size_t>(1, row_bytes)));
  std::vector<char> buf;
  Fingerprint f;
  for (int64_t r = 0; r < dims[0]; r += block) {
    const int64_t n = std::min(block, dims[0] - r);
    buf.resize(static_cast<std::size_t>(n) * row_bytes);
    d.read_rows(r, n, buf.data(), *type);
    f.add(buf.data(), buf.size());
  }
  return f.hex();
}

void zero_flags(const h5::File& file, const std::string& dataset) {
  if (!file.exists(dataset)) return;
  h5::Dataset d = file.open_dataset(dataset);
  const auto dims = d.dims();
  int64_t n = 1;
  for (auto x : dims) n *= x;
  if (d.element_type() == h5::ElementType::u8) {
    const std::vector<uint8_t> zeros(static_cast<std::size_t>(n), 0);
    d.write_rows(0, dims[0], zeros.data());
  } else {
    const std::vector<int64_t> zeros(static_cast<std::size_t>(n), 0);
    d.write_rows(0, dims[0], zeros.data());
  }
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
        s["policy.chat_template"] = to_string(config.policy.chat_template);
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
      return {{samples_path(config, t) + ":" + samples::kResponseTokens, dataset_fingerprint(samples_path(config, t), samples::kResponseTokens)}};
    case StageKind::annotate:
      return {{samples_path(config, t) + ":" + samples::kPairrmLogits, dataset_fingerprint(samples_path(config, t), samples::kPairrmLogits)}};
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
  h5::File file = h5::File::open(samples, true, MPI_COMM_NULL);
  zero_flags(file, std::string(samples::kProgressPrefix) + "reference");
  if (stage.kind == StageKind::annotate) {
    zero_flags(file, std::string(samples::kProgressPrefix) + "annotate");
    zero_flags(file, samples::kPairrmRanker);
  }
}

}  // namespace sppo
