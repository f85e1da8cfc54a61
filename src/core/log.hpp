#pragma once
// defines: sppo::Log, rank-aware logging. Every line carries the time and the rank;
// info lines come from rank 0 only (unless verbose), warnings and errors from every rank.
#include <iosfwd>
#include <mutex>
#include <string>

namespace sppo {

enum class LogLevel { debug, info, warn, error };

class Log {
 public:
  // `out` must outlive the Log (std::cerr in the app, a stringstream in tests).
  Log(std::ostream& out, int rank, bool all_ranks = false, LogLevel min_level = LogLevel::info);

  void debug(const std::string& message) const { write(LogLevel::debug, message); }
  void info(const std::string& message) const { write(LogLevel::info, message); }
  void warn(const std::string& message) const { write(LogLevel::warn, message); }
  void error(const std::string& message) const { write(LogLevel::error, message); }
  // Printed by this rank whatever its number (e.g. a per-rank summary).
  void info_any_rank(const std::string& message) const;

  int rank() const { return rank_; }
  bool prints_info() const { return all_ranks_ || rank_ == 0; }

 private:
  void write(LogLevel level, const std::string& message) const;
  void emit(LogLevel level, const std::string& message) const;

  std::ostream& out_;
  int rank_;
  bool all_ranks_;
  LogLevel min_level_;
  mutable std::mutex mutex_;  // the work-queue thread and the main thread may both log
};

}  // namespace sppo
