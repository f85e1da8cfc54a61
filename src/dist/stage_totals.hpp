#pragma once
// defines: report_stage_totals, the end of a chunked stage: what every rank did, summed, and
// the one summary line rank 0 prints:
//   "<stage>: <chunks> chunks, <items> <unit> in <duration> (<rate> <unit>/s) -> <output>"
#include <chrono>
#include <cstdint>
#include <string>

#include "core/log.hpp"
#include "dist/rank_group.hpp"

namespace sppo {

struct StageTotals {
  int64_t items = 0;   // summed over ranks
  int64_t chunks = 0;  // summed over ranks
  double seconds = 0;  // since `start`
};

// Collective over `group`.
StageTotals report_stage_totals(const RankGroup& group, const Log& log, const std::string& stage, const std::string& unit,
                                int64_t my_items, int64_t my_chunks, std::chrono::steady_clock::time_point start,
                                const std::string& output);

}  // namespace sppo
