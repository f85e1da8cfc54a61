# Sourced by the batch scripts of jobs/: where sppo is, how ranks are launched, the log line,
# the GPU environment, and one stage run as a job step with Slurm's warning signal handled.
#
# Inside a batch job $0 is Slurm's spooled copy of the script, so the repository is found
# from $SPPO_ROOT (jobs/submit exports it), else the submit directory.
SPPO_ROOT=${SPPO_ROOT:-${SLURM_SUBMIT_DIR:-$(pwd)}}
SPPO_BIN=${SPPO_BIN:-$SPPO_ROOT/build/bin/sppo}
# The exit status of a stage that stopped early after a checkpoint (src/train/stop_signal.hpp).
SPPO_EXIT_CHECKPOINTED=3

sppo_log() {
  echo "$(date '+%F %T') [sppo job ${SLURM_JOB_ID:-none}${SLURM_ARRAY_TASK_ID:+_$SLURM_ARRAY_TASK_ID} restart ${SLURM_RESTART_COUNT:-0}] $*"
}

# Ranks: srun inside an allocation (PMIx: Debian's Open MPI is built for it), else mpiexec.
sppo_launch() {
  if [[ -n ${SLURM_JOB_ID:-} ]] && command -v srun > /dev/null; then
    srun --mpi="${SPPO_SRUN_MPI:-pmix}" --kill-on-bad-exit=1 "$@"
  else
    mpiexec --bind-to none -n "${SPPO_RANKS:-2}" "$@"
  fi
}

# One GPU per rank when the job has GPUs: NCCL is chosen by dist.backend: auto. Any variable
# already set by the user or the site wins.
sppo_gpu_environment() {
  if [[ -n ${SLURM_GPUS_ON_NODE:-}${SLURM_GPUS_PER_TASK:-} ]]; then
    export NCCL_DEBUG=${NCCL_DEBUG:-WARN}
    export TORCH_NCCL_ASYNC_ERROR_HANDLING=${TORCH_NCCL_ASYNC_ERROR_HANDLING:-1}
    export NCCL_IB_DISABLE=${NCCL_IB_DISABLE:-0}
    sppo_log "GPUs on this node: ${SLURM_GPUS_ON_NODE:-?}, NCCL_DEBUG=$NCCL_DEBUG${NCCL_SOCKET_IFNAME:+, NCCL_SOCKET_IFNAME=$NCCL_SOCKET_IFNAME}"
  fi
}

# USR1 to the ranks of the running step: through Slurm inside a job (srun does not forward
# USR1; scancel without --batch signals the job's steps, not this shell), else to mpiexec,
# which forwards it.
sppo_signal_step() {
  if [[ -n ${SLURM_JOB_ID:-} ]] && command -v scancel > /dev/null; then
    scancel --signal=USR1 "$SLURM_JOB_ID"
  else
    pkill -USR1 -x mpiexec -P "$1" 2> /dev/null  # the step is a subshell running mpiexec | tee
  fi
}

# A requeued job can start while the steps of its previous run are still being torn down;
# a step launched then is aborted by Slurm. Wait (up to a minute) until they are gone.
sppo_wait_for_earlier_steps() {
  [[ -n ${SLURM_JOB_ID:-} && ${SLURM_RESTART_COUNT:-0} -gt 0 ]] || return 0
  local i
  for ((i = 0; i < 60; ++i)); do
    squeue -h -s -j "$SLURM_JOB_ID" -o %i 2> /dev/null | grep -Eq "^$SLURM_JOB_ID\.[0-9]+$" || return 0
    sleep 1
  done
}

# sppo_stage ARGS...: runs `sppo ARGS...` as a job step in the background and waits for it,
# so that the batch shell's trap runs when Slurm's warning (--signal=B:USR1@lead) arrives.
# The trap forwards USR1 to the step: training checkpoints at its next step boundary and
# exits with status 3; generate and annotate finish the chunk in hand and exit with status 3 too
# (eval ends; its finished chunks are kept).
# Either way the job then requeues itself and the rerun continues where it stopped.
sppo_stage() {
  local warned=0 status=0 step attempt steplog
  steplog=$(mktemp "${TMPDIR:-/tmp}/sppo-step.XXXXXX")
  trap 'warned=1; sppo_log "USR1 (time limit or preemption ahead): asking the step to stop"; sppo_signal_step "$step"' USR1
  sppo_wait_for_earlier_steps
  # A launch Slurm aborts (a requeued job whose old step is still being torn down) can end with
  # status 0 although no rank ran: a step counts as run only if sppo logged its start line.
  for attempt in 1 2 3; do
    sppo_log "step: sppo $*"
    : > "$steplog"
    (sppo_launch "$SPPO_BIN" "$@" 2>&1 | tee -a "$steplog"; exit "${PIPESTATUS[0]}") &
    step=$!
    while true; do
      wait "$step" && status=0 || status=$?
      kill -0 "$step" 2> /dev/null || break  # wait returned for the trap: the step still runs
    done
    # Done, failed (sppo said why), or warned: no retry. Only a silent status 0 is relaunched.
    ((warned || status != 0)) && break
    grep -q "info: sppo $1: " "$steplog" && break
    status=1
    sppo_log "the step never started: Slurm aborted its launch (attempt $attempt); retrying in 10 s"
    sleep 10
  done
  rm -f "$steplog"
  trap - USR1
  if ((warned)) || ((status == SPPO_EXIT_CHECKPOINTED)); then
    if [[ -n ${SLURM_JOB_ID:-} ]]; then
      sppo_log "requeueing job $SLURM_JOB_ID (step status $status); it resumes from what was saved"
      scontrol requeue "$SLURM_JOB_ID"
    fi
    exit "$SPPO_EXIT_CHECKPOINTED"
  fi
  if ((status != 0)); then
    sppo_log "step failed with status $status: sppo $*"
    exit "$status"
  fi
}
