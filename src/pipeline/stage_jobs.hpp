#pragma once
// defines: the job of each stage of iteration t as `sppo run` runs it: its fold of the
// prompts, π_t, and the iteration's paths. The stage commands (sppo generate / annotate /
// train, used by the per-stage Slurm scripts) start from the same jobs, so a stage run by
// hand writes exactly what `sppo run` would.
#include <cstdint>

#include "annotate/annotate_stage.hpp"
#include "core/config.hpp"
#include "generate/generate_stage.hpp"
#include "train/trainer.hpp"

namespace sppo {

// Reads the prompt file to count its prompts (the fold depends on the count).
GenerateJob generate_job(const Config& config, int64_t iteration);
AnnotateJob annotate_job(const Config& config, int64_t iteration);
TrainJob train_job(const Config& config, int64_t iteration);

}  // namespace sppo
