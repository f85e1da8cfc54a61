#pragma once
// defines: TrainJob and run_train_stage, the third stage of an SPPO iteration: the training
// set, the reference log-probabilities of π_t, the sharded optimisation with checkpoints and
// resume, metrics.csv, and the export of π_{t+1} as a Hugging Face folder. Collective.
#include <cstdint>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "dist/run_context.hpp"

namespace sppo {

// What training reads; pipeline/stage_jobs maps a Config to it.
struct TrainJob {
  TrainConfig train;           // loss, optimizer, schedule, batches, lengths, precision, train.data
  std::string policy_dir;      // π_t: initial weights and the reference policy
  std::string samples_path;    // the training set when train.data is null
  std::string out_dir;         // π_{t+1}
  std::string checkpoint_dir;  // step-<n>.h5
  std::string metrics_path;    // metrics.csv
  std::optional<int64_t> max_steps;  // stop (checkpointed, exported) after this many steps in all
  uint64_t seed = 42;                // the epochs' example order
  WinrateMode winrate = WinrateMode::score;            // how a pair's P[w,l] is read off the judge's logits
  std::string chat_template = "auto";                  // a JSONL's prompts (policy.chat_template)
  std::optional<std::string> end_of_turn;              // policy.end_of_turn
};

struct TrainSummary {
  int64_t steps = 0;       // completed in all (resumed ones included)
  int64_t total_steps = 0;
  double last_loss = 0;
  int64_t skipped_steps = 0;  // not finite, with train.nonfinite: skip
  bool interrupted = false;   // stopped on SIGUSR1/SIGTERM after a checkpoint; nothing exported
  // This rank, over the steps of this run (resumed ones not included): the steps' time, their
  // all-gathers' time, and the part of it the compute waited for (the rest dist.prefetch hid).
  double step_seconds = 0, gather_seconds = 0, gather_wait_seconds = 0;
};

// With a samples.h5, the reference log-probabilities are computed (or reused) in the file
// first; with a JSONL they are computed in memory. A stop signal on any rank (SIGUSR1, SIGTERM)
// checkpoints every rank at the next step boundary and returns interrupted.
TrainSummary run_train_stage(const TrainJob& job, const RunContext& ctx);

}  // namespace sppo
