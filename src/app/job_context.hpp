#pragma once
// defines: JobContext, what a stage command sets up before work, once per job: the validated
// config with its --set overrides, MPI, the rank-aware log, torch's thread counts, the stop
// signal handlers, and the RunContext every stage takes (the communicator dist.backend names,
// the prefetch communicator when dist.prefetch allows one, the compute device).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/command_line.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "core/stop_signal.hpp"
#include "dist/mpi_session.hpp"
#include "dist/run_context.hpp"
#include "io/run_lock.hpp"

namespace sppo {

class JobContext {
 public:
  // Reads --config (with --set overrides), starts MPI, sets torch's intra-op threads to
  // threads_per_rank(...) and inter-op threads to 1, installs the SIGTERM/SIGUSR1 handlers and
  // builds the communicators (collective).
  JobContext(const CommandLine& cl, int* argc, char*** argv);
  ~JobContext();

  const Config& config() const { return config_; }
  const RunContext& run() const { return *context_; }
  int rank() const { return mpi_->rank(); }

  // Holds the run directory (io/run_lock.hpp) until the job ends when any of `outputs` lies
  // inside it: rank 0 takes the lock, and a refusal stops every rank together. Collective.
  void hold_run_directory(const std::vector<std::string>& outputs);

  // An integer flag, e.g. --iteration; throws ConfigError naming the flag.
  static std::optional<int64_t> int_flag(const CommandLine& cl, const std::string& name);

 private:
  Config config_;
  std::string command_;
  std::unique_ptr<MpiSession> mpi_;
  std::unique_ptr<Log> log_;
  StopSignal stop_;
  std::unique_ptr<Communicator> comm_;
  std::unique_ptr<Communicator> prefetch_;
  std::unique_ptr<RunContext> context_;
  std::unique_ptr<RunLock> lock_;  // rank 0's, released first
};

// Whether training prefetches its gathers on a second communicator (DESIGN.md §5): when MPI
// allows the helper thread and dist.prefetch is on, or auto and the rank has a core for the
// helper (it spins in MPI while waiting; on a rank with one core it slowed 2-rank training by
// ~15 % in bench/train).
bool use_prefetch(Prefetch setting, bool thread_multiple, int threads_per_rank);

// Whether the job keeps freed memory in malloc's heap (dist.freed_memory; auto: unless
// train.activation_checkpointing is on).
bool keeps_freed_memory(const Config& config);

}  // namespace sppo
