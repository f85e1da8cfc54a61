#include "core/progress.hpp"

#include <cmath>
#include <cstdio>

namespace sppo {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<int64_t>(std::llround(seconds));
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  else if (s < 86400)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600), static_cast<long long>(s % 3600 / 60));
  else std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(s / 86400), static_cast<long long>(s % 86400 / 3600));
  return buf;
}

std::string format_progress(int64_t done, int64_t total, double elapsed_seconds, const std::string& unit) {
  char buf[160];
  const double percent = total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0;
  int n = std::snprintf(buf, sizeof buf, "%lld/%lld %s (%.1f%%)", static_cast<long long>(done),
                        static_cast<long long>(total), unit.c_str(), percent);
  std::string out(buf, static_cast<std::size_t>(n));
  if (done > 0 && elapsed_seconds > 0) {
    const double rate = static_cast<double>(done) / elapsed_seconds;  // items per second
    std::snprintf(buf, sizeof buf, ", %.2f %s/s", rate, unit.c_str());
    out += buf;
    if (done < total) out += ", ETA " + format_duration(static_cast<double>(total - done) / rate);
    else out += ", took " + format_duration(elapsed_seconds);
  }
  return out;
}

namespace {
double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

Progress::Progress(const Log& log, std::string what, int64_t total, std::string unit, double interval_seconds,
                   Clock clock)
    : log_(log),
      what_(std::move(what)),
      total_(total),
      unit_(std::move(unit)),
      interval_(interval_seconds),
      clock_(clock ? std::move(clock) : Clock(steady_seconds)),
      start_(clock_()),
      last_print_(start_) {}

void Progress::advance(int64_t items) {
  done_ += items;
  maybe_print(false);
}

void Progress::set_done(int64_t done_by_all, const std::string& detail) {
  done_ = done_by_all;
  detail_ = detail;
  maybe_print(false);
}

void Progress::finish() {
  if (!finished_) maybe_print(true);
  finished_ = true;
}

void Progress::maybe_print(bool force) {
  const double now = clock_();
  if (!force && now - last_print_ < interval_) return;
  last_print_ = now;
  log_.info(what_ + ": " + format_progress(done_, total_, now - start_, unit_) + (detail_.empty() ? "" : ", " + detail_));
}

}  // namespace sppo
