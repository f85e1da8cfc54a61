#include "core/log.hpp"

#include <chrono>
#include <ctime>
#include <ostream>

namespace sppo {
namespace {

const char* level_tag(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "?";
}

std::string timestamp() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

}  // namespace

Log::Log(std::ostream& out, int rank, bool all_ranks, LogLevel min_level)
    : out_(out), rank_(rank), all_ranks_(all_ranks), min_level_(min_level) {}

void Log::write(LogLevel level, const std::string& message) const {
  if (level < min_level_) return;
  if (level <= LogLevel::info && !prints_info()) return;
  emit(level, message);
}

void Log::info_any_rank(const std::string& message) const {
  if (LogLevel::info >= min_level_) emit(LogLevel::info, message);
}

void Log::emit(LogLevel level, const std::string& message) const {
  // One write per line: ranks share the terminal or log file, and lines written in pieces
  // interleave with other ranks' lines.
  const std::string line =
      timestamp() + " [rank " + std::to_string(rank_) + "] " + level_tag(level) + ": " + message + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  out_.write(line.data(), static_cast<std::streamsize>(line.size()));
  out_.flush();
}

}  // namespace sppo
