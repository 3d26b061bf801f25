# Shared by lofimap's SLURM job scripts (sourced; needs `lofimap` on PATH, e.g. from share/lofimap/env.sh).
# What every job does: fail fast on missing inputs, print its resolved configuration, `lofimap version` and
# where its outputs go, run its step under srun with pre-emption handled, and requeue itself when pre-empted.

lofimap_fail() {
  echo "lofimap job: $*" >&2
  exit 1
}

lofimap_require_file() {  # PATH WHAT
  [ -n "$1" ] || lofimap_fail "no $2 given"
  [ -f "$1" ] || lofimap_fail "$2 '$1' does not exist (working folder $(pwd))"
  [ -r "$1" ] || lofimap_fail "$2 '$1' is not readable"
}

# The value of KEY in a CLI11 TOML/INI config (KEY = "value" or KEY = value), or empty.
lofimap_config_value() {  # FILE KEY
  sed -nE "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*\"?([^\"#]*[^\"#[:space:]])\"?.*$/\1/p" "$1" | tail -n 1
}

lofimap_print_header() {  # JOB-KIND CONFIG OUTPUT
  echo "=== lofimap $1 job ${SLURM_JOB_ID:-} ${SLURM_ARRAY_TASK_ID:+(array task $SLURM_ARRAY_TASK_ID of ${SLURM_ARRAY_TASK_COUNT:-?})} on ${SLURM_JOB_NODELIST:-$(hostname)}"
  echo "tasks ${SLURM_NTASKS:-1}, cpus per task ${SLURM_CPUS_PER_TASK:-1}, gpus on node ${SLURM_GPUS_ON_NODE:-0}, restart count ${SLURM_RESTART_COUNT:-0}"
  echo "--- configuration $2:"
  cat "$2"
  [ -n "${LOFIMAP_EXTRA_ARGS:-}" ] && echo "--- extra options (LOFIMAP_EXTRA_ARGS): $LOFIMAP_EXTRA_ARGS"
  echo "--- output: $3"
  lofimap version || lofimap_fail "lofimap does not run (PATH=$PATH)"
  echo "==="
}

# Runs a command (srun ...) in the background and waits for it. A pre-emption notice (USR1 from
# `#SBATCH --signal=B:USR1@SECONDS`) is passed on to it and marks the job for requeueing; TERM (scancel, the
# end of the time limit) is passed on too, without requeueing. srun forwards the signal to every task, which
# saves its progress and exits 4. Returns the command's exit status.
lofimap_preempted=""
lofimap_run_preemptible() {
  "$@" &
  local pid=$!
  trap "lofimap_preempted=1; echo 'lofimap job: pre-emption notice: asking the tasks to save their progress'; kill -USR1 $pid 2>/dev/null" USR1
  trap "echo 'lofimap job: TERM: asking the tasks to save their progress'; kill -TERM $pid 2>/dev/null" TERM
  local rc=0
  while :; do
    wait "$pid"
    rc=$?
    kill -0 "$pid" 2>/dev/null || break  # wait returned because of the trapped signal: keep waiting
  done
  trap - USR1 TERM
  return "$rc"
}

# After the step: 0 done; 4 stopped with progress saved: after a pre-emption notice the job requeues itself
# (the next start resumes), otherwise (TERM, --stop-after) it ends and a resubmission resumes; anything else
# fails the job. LOFIMAP_REQUEUE_FLAG=FILE records the requeue in FILE instead (tests: SLURM holds a requeued
# job for minutes before starting it again).
lofimap_finish() {  # STATUS
  case "$1" in
    0) echo "lofimap job: finished" ;;
    4)
      if [ -z "$lofimap_preempted" ]; then
        echo "lofimap job: stopped with its progress saved; submit the same job again to continue"
        exit 0
      fi
      if [ -n "${LOFIMAP_REQUEUE_FLAG:-}" ]; then
        echo "requeue ${SLURM_JOB_ID:-}" >"$LOFIMAP_REQUEUE_FLAG"
        echo "lofimap job: progress saved; requeue recorded in $LOFIMAP_REQUEUE_FLAG"
      else
        echo "lofimap job: progress saved; requeueing job ${SLURM_JOB_ID}"
        scontrol requeue "$SLURM_JOB_ID" || lofimap_fail "scontrol requeue failed: resubmit the job by hand"
      fi
      exit 0
      ;;
    *) lofimap_fail "the step failed with status $1" ;;
  esac
}

lofimap_threads() {
  echo "${SLURM_CPUS_PER_TASK:-1}"
}
