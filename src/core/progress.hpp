#pragma once
// defines: sppo::Progress, the rank-0 progress line of long work (items, rate, ETA),
// and format_progress, its pure formatting.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "core/log.hpp"

namespace sppo {

// "120/500 chunks (24.0%), 3.20 chunks/s, ETA 1m59s"; rate and ETA are omitted
// while nothing is done yet.
std::string format_progress(int64_t done, int64_t total, double elapsed_seconds, const std::string& unit);

// "59s", "1m59s", "2h03m", "3d04h".
std::string format_duration(double seconds);

class Progress {
 public:
  using Clock = std::function<double()>;  // seconds since an arbitrary origin

  // Prints through `log` (so only rank 0, by default) at most once per `interval_seconds`,
  // and always at the end.
  Progress(const Log& log, std::string what, int64_t total, std::string unit, double interval_seconds = 5.0,
           Clock clock = {});

  // advance adds `items` done here; set_done replaces the count with one summed over ranks.
  void advance(int64_t items);
  // `detail` (e.g. "812 tokens/s") is appended to the line.
  void set_done(int64_t done_by_all, const std::string& detail = "");
  void finish();

  int64_t done() const { return done_; }

 private:
  void maybe_print(bool force);
  std::string detail_;

  const Log& log_;
  std::string what_;
  int64_t total_;
  std::string unit_;
  double interval_;
  Clock clock_;
  double start_;
  double last_print_;
  int64_t done_ = 0;
  bool finished_ = false;
};

}  // namespace sppo
