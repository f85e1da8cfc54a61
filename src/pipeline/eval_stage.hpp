#pragma once
// defines: run_eval_stage, the evaluation of one trained policy π_p on the held-out prompts
// (eval.prompts, never trained on): one response per prompt from π_p, from the base π_0 and
// from π_{p-1} (each generated once, with the same random draws for every policy), judged
// pairwise by the configured ranker; plus the log-ratios of the iteration's training rows.
// Collective.
#include <mpi.h>

#include <cstdint>
#include <string>

#include "core/config.hpp"
#include "core/log.hpp"
#include "pipeline/win_rate_summary.hpp"

namespace sppo {

struct EvalJob {
  Config config;
  int64_t policy = 1;  // p >= 1: π_p, written by iteration p - 1
};

struct EvalResult {
  WinRate vs_base;      // π_p against π_0
  WinRate vs_previous;  // π_p against π_{p-1} (equal to vs_base for p = 1)
};

// The stream the eval responses are drawn from (SampleStream::iteration): one for all
// policies, so that two policies that agree on a prompt give the same response.
constexpr int64_t kEvalStream = 1000000;

// Writes eval/responses-<q>.h5 for q in {0, p-1, p} when not yet complete (each resumes like
// sppo generate), eval/winrate-<p>.json, and iter-<p-1>/logratios.csv when that iteration
// trained on its samples.h5. p_i = σ((M[new, old] − M[old, new]) / 2) per prompt.
EvalResult run_eval_stage(const EvalJob& job, MPI_Comm comm, bool thread_multiple, const Log& log);

// The JSON file run_eval_stage wrote, read back (for the report). Throws FormatError naming it.
EvalResult read_eval_result(const std::string& path);

}  // namespace sppo
