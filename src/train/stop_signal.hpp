#pragma once
// defines: StopSignal, the trainer's answer to Slurm's warning before a time limit or
// preemption (`sbatch --signal=B:USR1@<lead>`, forwarded to the ranks by jobs/): SIGUSR1 on
// any rank asks every rank to checkpoint at the next step boundary and exit with
// kExitCheckpointed, so that the job can requeue itself and resume from that checkpoint.
#include <csignal>

namespace sppo {

// The exit status of a run that stopped early, checkpointed, on SIGUSR1 (jobs/ requeue on it).
constexpr int kExitCheckpointed = 3;

// Installs the SIGUSR1 handler for its lifetime (the previous one is restored after). The
// flag it sets is the one piece of process-wide state in sppo: a signal handler can reach
// nothing else.
class StopSignal {
 public:
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  bool requested() const;

 private:
  struct sigaction previous_ {};
};

}  // namespace sppo
