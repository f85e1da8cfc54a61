#pragma once
// defines: run_train_stage, the third stage of an SPPO iteration: the training set, the
// reference log-probabilities of π_t, the sharded optimisation with checkpoints and resume,
// metrics.csv, and the export of π_{t+1} as a Hugging Face folder. Collective.
#include <mpi.h>

#include <cstdint>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/log.hpp"

namespace sppo {

struct TrainJob {
  Config config;
  std::string policy_dir;      // π_t: initial weights and the reference policy
  std::string samples_path;    // the training set when train.data is null
  std::string out_dir;         // π_{t+1}
  std::string checkpoint_dir;  // step-<n>.h5
  std::string metrics_path;    // metrics.csv
  std::optional<int64_t> max_steps;  // stop (checkpointed, exported) after this many steps in all
};

struct TrainSummary {
  int64_t steps = 0;       // completed in all (resumed ones included)
  int64_t total_steps = 0;
  double last_loss = 0;
  int64_t skipped_steps = 0;  // not finite, with train.nonfinite: skip
  bool interrupted = false;   // stopped on SIGUSR1 after a checkpoint; nothing exported
};

// With a samples.h5, the reference log-probabilities are computed (or reused) in
// /reference/logp first; with a JSONL they are computed in memory.
// `threads_per_rank`: torch's threads on this rank (dist.prefetch auto prefetches when > 1).
TrainSummary run_train_stage(const TrainJob& job, MPI_Comm comm, bool thread_multiple, int threads_per_rank,
                             const Log& log);

// The example order of `epoch`: a permutation of 0..n-1 that depends on (seed, epoch) only,
// never on the rank count (Fisher-Yates over a splitmix64 stream).
std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch);

}  // namespace sppo
