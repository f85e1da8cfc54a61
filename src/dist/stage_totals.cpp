#include "dist/stage_totals.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>

#include "core/progress.hpp"

namespace sppo {

StageTotals report_stage_totals(const RankGroup& group, const Log& log, const std::string& stage, const std::string& unit,
                                int64_t my_items, int64_t my_chunks, std::chrono::steady_clock::time_point start,
                                const std::string& output) {
  std::vector<int64_t> totals{my_items, my_chunks};
  group.all_reduce(totals, HostReduce::sum);
  StageTotals t;
  t.items = totals[0];
  t.chunks = totals[1];
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char rate[64];
  std::snprintf(rate, sizeof rate, " (%.1f %s/s)", static_cast<double>(t.items) / std::max(t.seconds, 1e-9), unit.c_str());
  log.info(stage + ": " + std::to_string(t.chunks) + " chunks, " + std::to_string(t.items) + " " + unit + " in " +
           format_duration(t.seconds) + rate + " -> " + output);
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  log.info_any_rank(stage + ": peak resident memory of this rank " + std::to_string(usage.ru_maxrss / 1024) + " MiB");
  return t;
}

}  // namespace sppo
