#include "train/step_metrics.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.hpp"

namespace sppo {

StepMetrics StepMetrics::reduce(const MicroBatchStats& mine, const StepPlan& plan, bool per_row_terms, Communicator& comm) {
  // One all-reduce carries every sum: [terms, a chosen, a rejected, #chosen, #rejected, tokens, term chosen, term rejected]
  at::Tensor sums = at::tensor({mine.term_sum, mine.logratio_chosen, mine.logratio_rejected, double(mine.chosen),
                                double(mine.rejected), double(mine.tokens), mine.term_chosen, mine.term_rejected},
                               at::kDouble)
                        .to(comm.device());
  comm.all_reduce(sums, ReduceOp::sum);
  sums = sums.cpu();
  const double* total = sums.data_ptr<double>();
  const double nan = std::nan("");
  StepMetrics m;
  m.step = plan.step + 1;
  m.epoch = plan.epoch;
  m.rows = plan.global_rows;
  m.loss = total[0] / static_cast<double>(plan.loss_count);
  m.logratio_chosen = total[3] > 0 ? total[1] / total[3] : nan;
  m.logratio_rejected = total[4] > 0 ? total[2] / total[4] : nan;
  m.term_chosen = per_row_terms && total[3] > 0 ? total[6] / total[3] : nan;
  m.term_rejected = per_row_terms && total[4] > 0 ? total[7] / total[4] : nan;
  m.tokens = static_cast<int64_t>(total[5]);
  m.grad_norm = nan;
  return m;
}

std::string StepMetrics::csv_header() {
  return "step,epoch,loss,grad_norm,lr,rows,logratio_chosen,logratio_rejected,tokens_per_s,seconds,"
         "term_chosen,term_rejected";
}

std::string StepMetrics::csv_row() const {
  char line[400];
  std::snprintf(line, sizeof line, "%lld,%lld,%.9g,%.9g,%.9g,%lld,%.6g,%.6g,%.1f,%.3f,%.6g,%.6g", static_cast<long long>(step),
                static_cast<long long>(epoch), loss, grad_norm, lr, static_cast<long long>(rows), logratio_chosen,
                logratio_rejected, static_cast<double>(tokens) / std::max(seconds, 1e-9), seconds, term_chosen, term_rejected);
  return line;
}

MetricsFile::MetricsFile(const std::string& path, bool fresh, bool writer) : path_(path) {
  if (!writer) return;
  out_.open(path, fresh ? std::ios::trunc : std::ios::app);
  if (!out_) throw_io_error(path, "open", errno);
  if (fresh) out_ << StepMetrics::csv_header() << "\n";
}

void MetricsFile::write(const StepMetrics& metrics) {
  if (!out_.is_open()) return;
  out_ << metrics.csv_row() << "\n" << std::flush;
  if (!out_) throw_io_error(path_, "write", errno);
}

}  // namespace sppo
