#pragma once
// defines: StopSignal, a job's answer to Slurm stopping it: SIGUSR1 (the warning before a time
// limit or preemption, `sbatch --signal=B:USR1@<lead>`, forwarded to the ranks by jobs/) and
// SIGTERM (what `scancel` and a time limit without --signal send, KillWait seconds before
// SIGKILL) ask the stages to stop at their next safe point: training checkpoints at the next
// step boundary on every rank, generate and annotate finish the chunk in hand. The run then
// exits with kExitCheckpointed, so that the job can requeue itself and resume.
#include <csignal>

namespace sppo {

// The exit status of a run that stopped early on a signal, its finished work saved.
constexpr int kExitCheckpointed = 3;

// Installs the SIGUSR1 and SIGTERM handlers for its lifetime (the previous ones are restored
// after). The flag they set is the one piece of process-wide state in sppo: a signal handler
// can reach nothing else.
class StopSignal {
 public:
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  bool requested() const;
  // "SIGUSR1" or "SIGTERM" once requested, else "".
  const char* name() const;

 private:
  struct sigaction previous_usr1_ {};
  struct sigaction previous_term_ {};
};

}  // namespace sppo
