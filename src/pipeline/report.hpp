#pragma once
// defines: write_report, runs/<name>/report.md and its PNG plots (gnuplot) from what the
// stages left on disk: eval/winrate-<p>.json, iter-<t>/metrics.csv, iter-<t>/logratios.csv.
// Anything missing (an iteration not yet evaluated) is left out, so a report can be written
// at any point of a run.
#include <string>

#include "core/config.hpp"
#include "core/log.hpp"

namespace sppo {

// Returns the report's path. Plots are drawn when gnuplot is on PATH; otherwise the report
// says so and keeps its tables. Call on one rank.
std::string write_report(const Config& config, const Log& log);

// Runs `argv` (PATH searched), its output discarded; returns its exit status, or -1 when it
// could not be started.
int run_quietly(const std::vector<std::string>& argv);

}  // namespace sppo
