#pragma once
// defines: run_pipeline, `sppo run`: T SPPO iterations of generate -> annotate -> train ->
// eval, each recorded in runs/<name>/manifest.yaml when it finishes, and the report after
// every evaluation. Rerunning continues at the first unfinished stage; a finished stage
// whose settings changed is refused unless --restart-from names it (or an earlier stage).
// Collective over the job; a stop signal ends it at the end of the stage in hand (or inside
// it, at the stage's next safe point).
#include <optional>
#include <string>

#include "core/config.hpp"
#include "dist/run_context.hpp"

namespace sppo {

struct RunOptions {
  std::optional<std::string> restart_from;  // "iter-<t>/<stage>" or "<stage>"
};

struct RunSummary {
  int64_t stages_run = 0;
  int64_t stages_skipped = 0;
  std::string report;  // path of report.md
  bool interrupted = false;  // a stage stopped on SIGTERM/SIGUSR1 with its work saved: rerun to resume
};

RunSummary run_pipeline(const Config& config, const RunOptions& options, const RunContext& ctx);

}  // namespace sppo
