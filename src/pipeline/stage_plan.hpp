#pragma once
// defines: the stages of `sppo run` and what identifies each one: the ordered stage list
// (iter-<t>/generate, annotate, train, eval), the settings a stage's result depends on
// (config keys, input fingerprints, and its upstream stage's settings, so that a change
// anywhere upstream is a change here), the fingerprints of its outputs, and the cleanup
// that --restart-from does.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace sppo {

enum class StageKind { generate, annotate, train, eval };

struct Stage {
  int64_t iteration = 0;
  StageKind kind = StageKind::generate;
  std::string name() const;  // "iter-<t>/<kind>"
};

std::string to_string(StageKind kind);

// Every stage of config.run.iterations iterations, in the order they run.
std::vector<Stage> run_stages(const Config& config);

// "iter-1/train", or a bare "train" (= iteration 0). Throws ConfigError listing the valid names.
Stage parse_stage(const std::string& text, const Config& config);

// What a stage's result depends on: config keys, fingerprints of its inputs, and the settings
// of the stage it follows (so a change upstream is a change here).
using StageSettings = std::map<std::string, std::string>;

// Every stage's settings by Stage::name(), in one pass: each input file (prompt files, the
// base policy and PairRM folders, sampled: see io/fingerprint.hpp) is read once.
std::map<std::string, StageSettings> run_stage_settings(const Config& config);

// Fingerprints of what a finished stage wrote: samples.h5's responses (generate) or judge
// logits (annotate), the exported policy folder (train), the eval result (eval).
// A missing output maps to "missing".
std::map<std::string, std::string> stage_outputs(const Config& config, const Stage& stage);

// --restart-from: removes what `stage` and every later stage wrote (run directories, eval
// files; for annotate and train, the later stages' progress flags inside samples.h5), so
// that they run again. One rank only.
void clear_outputs_from(const Config& config, const Stage& stage);

}  // namespace sppo
