#pragma once
// defines: run_pipeline, `sppo run`: T SPPO iterations of generate -> annotate -> train ->
// eval, each recorded in runs/<name>/manifest.yaml when it finishes, and the report after
// every evaluation. Rerunning continues at the first unfinished stage; a finished stage
// whose settings changed is refused unless --restart-from names it (or an earlier stage).
// Collective over `comm`.
#include <mpi.h>

#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/log.hpp"

namespace sppo {

struct RunOptions {
  std::optional<std::string> restart_from;  // "iter-<t>/<stage>" or "<stage>"
  bool thread_multiple = false;
  int threads_per_rank = 1;
};

struct RunSummary {
  int64_t stages_run = 0;
  int64_t stages_skipped = 0;
  std::string report;  // path of report.md
  bool interrupted = false;  // training stopped on SIGUSR1 after a checkpoint: rerun to resume
};

RunSummary run_pipeline(const Config& config, const RunOptions& options, MPI_Comm comm, const Log& log);

}  // namespace sppo
