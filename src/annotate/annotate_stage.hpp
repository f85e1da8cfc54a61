#pragma once
// defines: AnnotateJob and run_annotate_stage, the second stage of an SPPO iteration: for
// every prompt of a complete samples.h5, the judge scores all K(K-1) ordered pairs of its
// responses, and the logit matrix and win rates are written per chunk. Collective.
#include <cstdint>
#include <string>

#include "annotate/judge.hpp"
#include "core/config.hpp"
#include "dist/run_context.hpp"

namespace sppo {

// What annotate reads; pipeline/stage_jobs maps a Config to it.
struct AnnotateJob {
  std::string samples_path;
  JudgeSpec judge;
  WinrateMode winrate = WinrateMode::score;
};

struct AnnotateSummary {
  int64_t chunks_done_before = 0;
  int64_t chunks_done_now = 0;
  int64_t pairs = 0;  // scored by this run, all ranks
  double seconds = 0;
  bool interrupted = false;  // stopped on SIGTERM/SIGUSR1 after the chunks in hand
};

// Pairs of many prompts are packed into batches of annotate.batch_pairs rows sorted by
// length, each padded only to its longest row. Refuses a file whose generate stage is not
// complete, or that another ranker annotated. On SIGTERM or SIGUSR1 every rank finishes the
// chunk in hand and takes no other.
AnnotateSummary run_annotate_stage(const AnnotateJob& job, const RunContext& ctx);

}  // namespace sppo
