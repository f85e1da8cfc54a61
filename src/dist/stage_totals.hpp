#pragma once
// defines: report_stage_totals, the end of a chunked stage: what every rank did, summed, and
// the one summary line rank 0 prints:
//   "<stage>: <chunks> chunks, <items> <unit> in <duration> (<rate> <unit>/s) -> <output>"
#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "core/log.hpp"

namespace sppo {

struct StageTotals {
  int64_t items = 0;   // summed over ranks
  int64_t chunks = 0;  // summed over ranks
  double seconds = 0;  // since `start`
};

// Collective over `comm`.
StageTotals report_stage_totals(MPI_Comm comm, const Log& log, const std::string& stage, const std::string& unit,
                                int64_t my_items, int64_t my_chunks, std::chrono::steady_clock::time_point start,
                                const std::string& output);

}  // namespace sppo
