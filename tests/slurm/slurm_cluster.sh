# A real SLURM on loopback for the tests, in a temporary folder: munged, slurmctld and slurmd as root, on
# non-default ports, with their state, spool, logs and pid files in the folder. Source this file, then
#   start_slurm DIR      exports SLURM_CONF; returns when the node is idle, or fails with the reason
#   stop_slurm           stops every daemon it started, by pid (call it from an EXIT trap)
# Settings follow the project's toolchain notes: SlurmUser/SlurmdUser root, proctrack/linuxproc, task/none,
# select/cons_tres, no accounting.

_slurm_pids=()

_slurm_fail() {
  echo "SLURM could not start: $*" >&2
  for log in "$_slurm_dir"/*.log; do [ -s "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }; done
  stop_slurm
  return 1
}

start_slurm() {
  _slurm_dir=$1
  mkdir -p "$_slurm_dir"/{state,spool,munge}
  chmod 700 "$_slurm_dir/munge"
  local host port
  host=$(hostname -s)
  # Ports from the pid of this shell, away from SLURM's 6817/6818 and from other test runs.
  port=$((20000 + ($$ % 20000)))
  for tool in munged mungekey slurmctld slurmd sinfo sbatch; do
    command -v "$tool" >/dev/null || { _slurm_fail "$tool is not installed (scripts/install-deps installs SLURM)"; return 1; }
  done
  mungekey --create --keyfile="$_slurm_dir/munge/munge.key" --force >/dev/null 2>&1 ||
    { _slurm_fail "mungekey failed"; return 1; }
  chmod 400 "$_slurm_dir/munge/munge.key"
  munged --force --socket="$_slurm_dir/munge/munge.sock" --key-file="$_slurm_dir/munge/munge.key" \
    --pid-file="$_slurm_dir/munge/munged.pid" --log-file="$_slurm_dir/munged.log" \
    --seed-file="$_slurm_dir/munge/munged.seed" >/dev/null 2>&1 || { _slurm_fail "munged did not start"; return 1; }
  _slurm_pids+=("$(cat "$_slurm_dir/munge/munged.pid")")
  cat >"$_slurm_dir/slurm.conf" <<CONF
ClusterName=lofimaptest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SrunPortRange=$((port + 2))-$((port + 200))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$_slurm_dir/munge/munge.sock
StateSaveLocation=$_slurm_dir/state
SlurmdSpoolDir=$_slurm_dir/spool
SlurmctldPidFile=$_slurm_dir/slurmctld.pid
SlurmdPidFile=$_slurm_dir/slurmd.pid
SlurmctldLogFile=$_slurm_dir/slurmctld.log
SlurmdLogFile=$_slurm_dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
KillWait=5
PlugStackConfig=$_slurm_dir/plugstack.conf
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
  : >"$_slurm_dir/plugstack.conf"
  export SLURM_CONF=$_slurm_dir/slurm.conf
  slurmctld -f "$SLURM_CONF" || { _slurm_fail "slurmctld did not start"; return 1; }
  for _ in $(seq 1 50); do [ -s "$_slurm_dir/slurmctld.pid" ] && break; sleep 0.1; done
  _slurm_pids+=("$(cat "$_slurm_dir/slurmctld.pid")")
  slurmd -f "$SLURM_CONF" || { _slurm_fail "slurmd did not start"; return 1; }
  for _ in $(seq 1 50); do [ -s "$_slurm_dir/slurmd.pid" ] && break; sleep 0.1; done
  _slurm_pids+=("$(cat "$_slurm_dir/slurmd.pid")")
  local state=""
  for _ in $(seq 1 100); do
    state=$(sinfo -h -N -o %T 2>/dev/null | head -n 1)
    [ "$state" = "idle" ] && return 0
    sleep 0.2
  done
  _slurm_fail "the node did not become idle (state '$state')"
}

stop_slurm() {
  local pid
  for pid in "${_slurm_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${_slurm_pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  _slurm_pids=()
}
