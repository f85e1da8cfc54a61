#pragma once
// defines: RunLock, a job's hold on its run directory (runs/<name>/sppo.lock), so that two
// jobs never write one run at once (MPI-IO takes no lock of its own: both would run to the
// end, mixing their chunks and checkpoints). The lock file names its holder: host, pid, the
// process's start time, the Slurm job id and the command. A lock whose holder is gone — its
// process no longer runs on this host, or its Slurm job no longer runs, or it is an earlier
// run of this same Slurm job (a requeue) — is stale: it is taken over and said so in the log.
// A live holder stops the second job at once, with one line naming it.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/log.hpp"

namespace sppo {

struct LockHolder {
  std::string host;
  int64_t pid = 0;
  std::string start_time;  // the process's start in clock ticks since boot (/proc/<pid>/stat), against pid reuse
  std::string slurm_job;   // SLURM_JOB_ID, "" outside Slurm
  std::string command;     // e.g. "sppo run"

  // "host:pid (Slurm job 12, sppo run)" for messages.
  std::string describe() const;
  std::string file_text() const;
  // Throws FormatError naming `path` when the text is not a lock file sppo wrote.
  static LockHolder parse(const std::string& text, const std::string& path);
};

// What decides whether a holder is gone; the real one asks the system, tests give their own.
struct LockProbe {
  LockHolder self;  // this process, as its lock file would name it
  // The process `pid` of this host, started at `start_time`, still runs (a zombie does not).
  std::function<bool(int64_t pid, const std::string& start_time)> process_alive;
  // Whether Slurm job `id` runs: nullopt when Slurm cannot be asked (no squeue).
  std::function<std::optional<bool>(const std::string& id)> slurm_job_running;

  static LockProbe system(const std::string& command);
};

// Why `holder` no longer holds the directory ("" while it may still run).
std::string stale_reason(const LockHolder& holder, const LockProbe& probe);

class RunLock {
 public:
  // Takes `folder`/sppo.lock (creating `folder`), taking over a stale lock with a warning in
  // `log`. Throws ConfigError "<folder>/sppo.lock: the run directory is in use by <holder>: ..."
  // when a live job holds it, or when its holder cannot be checked. One rank takes it.
  RunLock(const std::string& folder, const LockProbe& probe, const Log& log);
  // Removes the lock file if it still names this process.
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string mine_;  // the file text this process wrote
};

}  // namespace sppo
