#pragma once
// defines: sppo::RunContext, what the runtime gives every stage: the communicator chosen by
// dist.backend (tensor collectives, and the host ones through its group()), the second
// communicator training prefetches its gathers on (or none), the compute device, torch's
// threads on this rank, whether MPI allows helper threads (the chunk queue's server), the
// rank-aware log and the job's stop signal (SIGTERM/SIGUSR1: stop at the next safe point).
// Built once per job in app/ (app/job_context.hpp); stages read it and never build
// communicators of their own.
#include <c10/core/Device.h>

#include <string>

#include "core/log.hpp"
#include "core/stop_signal.hpp"
#include "dist/communicator.hpp"

namespace sppo {

class RunContext {
 public:
  RunContext(Communicator& comm, Communicator* prefetch, c10::Device device, int threads, bool thread_multiple,
             const Log& log, const StopSignal* stop = nullptr)
      : comm_(comm), prefetch_(prefetch), device_(device), threads_(threads), thread_multiple_(thread_multiple),
        log_(log), stop_(stop) {}

  Communicator& comm() const { return comm_; }
  // The ranks of the job, for host-side collectives.
  const RankGroup& group() const { return comm_.group(); }
  // Gathers run one unit ahead on it from a helper thread (DESIGN.md §5); null: no prefetch.
  Communicator* prefetch() const { return prefetch_; }
  c10::Device device() const { return device_; }
  int threads() const { return threads_; }
  bool thread_multiple() const { return thread_multiple_; }
  const Log& log() const { return log_; }
  int rank() const { return comm_.rank(); }
  // This rank received SIGTERM or SIGUSR1 (ranks learn each other's at their collectives).
  bool stop_requested() const { return stop_ && stop_->requested(); }
  // "SIGUSR1" or "SIGTERM" when this rank received it, else "a stop signal" (another rank's).
  std::string stop_signal_name() const {
    return stop_ && stop_->requested() ? stop_->name() : "a stop signal";
  }

 private:
  Communicator& comm_;
  Communicator* prefetch_;
  c10::Device device_;
  int threads_;
  bool thread_multiple_;
  const Log& log_;
  const StopSignal* stop_;
};

}  // namespace sppo
