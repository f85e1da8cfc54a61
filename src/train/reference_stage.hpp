#pragma once
// defines: run_reference_stage, log π_t(y|x) of every sample of a samples.h5, written chunk by
// chunk (flagged per chunk) before training, and reused when a rerun finds it complete. The
// rows are truncated exactly as the training rows are (train/dataset.hpp), so the log-ratio of
// an untrained policy is 0.
#include <cstdint>
#include <string>

#include "dist/run_context.hpp"
#include "train/sharded_model.hpp"

namespace sppo {

// Collective. The forward runs through the sharded model (no rank holds π_t whole): chunks
// are dealt round-robin and every rank runs the same number of forward passes (one per
// prompt slot of a chunk, empty where it has none). Refuses a file whose generate stage is
// not complete.
void run_reference_stage(const std::string& samples_path, ShardedModel& policy, int64_t max_length,
                         int64_t max_prompt_length, const RunContext& ctx);

}  // namespace sppo
