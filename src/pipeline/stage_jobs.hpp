#pragma once
// defines: the one place that maps a Config to the jobs of the stages of iteration t, as
// `sppo run` runs them: its fold of the prompts, π_t, the iteration's paths, and each stage's
// settings. The stage commands (sppo generate / annotate / train / eval, used by the per-stage
// Slurm scripts) start from the same jobs, so a stage run by hand writes exactly what
// `sppo run` would.
#include <cstdint>

#include "annotate/annotate_stage.hpp"
#include "core/config.hpp"
#include "generate/generate_stage.hpp"
#include "pipeline/eval_stage.hpp"
#include "train/trainer.hpp"

namespace sppo {

// Reads the prompt file to count its prompts (the fold depends on the count).
GenerateJob generate_job(const Config& config, int64_t iteration);
AnnotateJob annotate_job(const Config& config, int64_t iteration);
TrainJob train_job(const Config& config, int64_t iteration);
// π_p (p >= 1) against π_0 and π_{p-1} on eval.prompts.
EvalJob eval_job(const Config& config, int64_t policy);

}  // namespace sppo
