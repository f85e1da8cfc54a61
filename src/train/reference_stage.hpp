#pragma once
// defines: run_reference_stage, log π_t(y|x) of every sample of a samples.h5, written to
// /reference/logp chunk by chunk (flagged in /progress/reference) before training, and
// reused when a rerun finds it complete. The rows are truncated exactly as the training
// rows are (train/dataset.hpp), so the log-ratio of an untrained policy is 0.
#include <mpi.h>

#include <string>

#include "core/config.hpp"
#include "core/log.hpp"
#include "model/causal_lm.hpp"

namespace sppo {

// Collective. Refuses a file whose generate stage is not complete.
void run_reference_stage(const std::string& samples_path, const CausalLM& policy, const Config& config, MPI_Comm comm,
                         bool thread_multiple, const Log& log);

}  // namespace sppo
