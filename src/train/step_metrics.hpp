#pragma once
// defines: StepMetrics, one line of metrics.csv: what every rank's micro-batches contributed
// to an optimizer step, summed over the ranks by one all-reduce, as the means users plot; and
// MetricsFile, rank 0's metrics.csv (appended to when training resumes).
#include <fstream>
#include <string>

#include "dist/communicator.hpp"
#include "train/fsdp_step.hpp"
#include "train/step_plan.hpp"

namespace sppo {

struct StepMetrics {
  int64_t step = 0;                  // 1-based: the optimizer steps done after this one
  int64_t epoch = 0;
  double loss = 0;                   // Σ terms / plan.loss_count over the global batch
  double grad_norm = 0;              // before clipping; NaN for a skipped step
  double lr = 0;
  int64_t rows = 0;                  // of the global batch
  double logratio_chosen = 0;        // mean a(y) over chosen rows (every row for one-row losses)
  double logratio_rejected = 0;      // ... over rejected rows; NaN without pairs
  int64_t tokens = 0;                // real tokens through the model, all ranks
  double seconds = 0;                // of the step, on rank 0; metrics.csv prints tokens / seconds
  double term_chosen = 0;            // mean per-row loss term over chosen rows (per-row losses; else NaN)
  double term_rejected = 0;

  // Collective (one all-reduce on `comm`'s device): the step's sums over every rank.
  static StepMetrics reduce(const MicroBatchStats& mine, const StepPlan& plan, bool per_row_terms, Communicator& comm);

  static std::string csv_header();
  std::string csv_row() const;
};

class MetricsFile {
 public:
  // Rank 0 (`writer`) opens `path`: truncated with a header when `fresh`, else appended to.
  MetricsFile(const std::string& path, bool fresh, bool writer);
  void write(const StepMetrics& metrics);

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace sppo
