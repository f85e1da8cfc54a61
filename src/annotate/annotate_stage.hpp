#pragma once
// defines: run_annotate_stage, the second stage of an SPPO iteration: for every prompt of a
// complete samples.h5, PairRM scores all K(K-1) ordered pairs of its responses, and the
// logit matrix and win rates go to /pairrm/* (flagged in /progress/annotate). Collective.
#include <mpi.h>

#include <cstdint>
#include <string>

#include "core/config.hpp"
#include "core/log.hpp"

namespace sppo {

struct AnnotateJob {
  Config config;
  std::string samples_path;
};

struct AnnotateSummary {
  int64_t chunks_done_before = 0;
  int64_t chunks_done_now = 0;
  int64_t pairs = 0;  // scored by this run, all ranks
  double seconds = 0;
};

// Pairs of many prompts are packed into batches of annotate.batch_pairs rows sorted by
// length, each padded only to its longest row. Refuses a file whose generate stage is not
// complete, or that another ranker annotated.
AnnotateSummary run_annotate_stage(const AnnotateJob& job, MPI_Comm comm, bool thread_multiple, const Log& log);

}  // namespace sppo
