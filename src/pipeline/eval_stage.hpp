#pragma once
// defines: EvalJob and run_eval_stage, the evaluation of one trained policy π_p on the
// held-out prompts (eval.prompts, never trained on): one response per prompt from π_p, from the
// base π_0 and from π_{p-1} (each generated once, with the same random draws for every
// policy), judged pairwise by the configured ranker; plus the log-ratios of the iteration's
// training rows. Collective.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "annotate/judge.hpp"
#include "dist/run_context.hpp"
#include "generate/generate_stage.hpp"
#include "pipeline/win_rate_summary.hpp"
#include "train/dataset.hpp"

namespace sppo {

// a(y) = log π_{t+1}(y|x) − log π_t(y|x) of iteration t's training rows, with their targets.
struct LogRatioJob {
  std::string samples_path;    // iteration t's samples.h5 (with its reference pass)
  std::string policy_dir;      // π_{t+1}
  TrainSetSpec set;
  int64_t batch = 8;           // rows per forward
  double beta = 0.001;         // target (p − ½)/β
  std::string out_path;        // iter-<t>/logratios.csv
};

// What eval reads; pipeline/stage_jobs maps a Config to it.
struct EvalJob {
  int64_t policy = 1;                       // p >= 1: π_p, written by iteration p - 1
  std::map<int64_t, GenerateJob> responses; // q -> its responses' job, q in {0, p-1, p}
  JudgeSpec judge;
  std::string eval_dir;
  std::string result_path;                  // eval/winrate-<p>.json
  std::optional<LogRatioJob> logratios;     // when iteration p - 1 trained on its samples.h5
};

struct EvalResult {
  WinRate vs_base;      // π_p against π_0
  WinRate vs_previous;  // π_p against π_{p-1} (equal to vs_base for p = 1)
};

// The stream the eval responses are drawn from (SampleStream::iteration): one for all
// policies, so that two policies that agree on a prompt give the same response.
constexpr int64_t kEvalStream = 1000000;

// Writes each responses file when not yet complete (each resumes like sppo generate), the
// result JSON, and the log-ratios. p_i = σ((M[new, old] − M[old, new]) / 2) per prompt.
EvalResult run_eval_stage(const EvalJob& job, const RunContext& ctx);

// The JSON file run_eval_stage wrote, read back (for the report). Throws FormatError naming it.
EvalResult read_eval_result(const std::string& path);

}  // namespace sppo
