#!/usr/bin/env bash
# lofimap's SLURM job scripts against a real slurmctld/slurmd on loopback (tests/slurm/slurm_cluster.sh), run
# from an installed prefix:
#  1. train.sbatch trains at 2 tasks (srun --mpi=pmix) and leaves a checkpoint and a model;
#  2. map.sbatch makes the same map as mpirun;
#  3. map_array.sbatch (2 shares) plus map_merge.sbatch (afterok) make the same map;
#  4. USR1 to a running training job: the tasks checkpoint, the job takes the requeue path (recorded in a flag
#     file: SLURM holds a real requeue for minutes), and the next start continues the loss curve exactly;
#  5. the same for map production: the finished regions are not mapped again and the map is the same;
#  6. a job in which one task fails ends non-zero and SLURM reports it FAILED;
#  7. simulate.sbatch as an array writes one training-set shard per task, with different seeds;
#  8. a script given a missing configuration fails at once, naming it.
# If SLURM cannot start, the test fails with the reason.
set -uo pipefail
build=$1
make_catalogue=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/lofimap-slurm.XXXXXX)
source "$here/slurm_cluster.sh"
trap 'stop_slurm; rm -rf "$work"' EXIT
start_slurm "$work/slurm" || exit 1
cmake --install "$build" --prefix "$work/prefix" >/dev/null || { echo "FAIL: cmake --install"; exit 1; }
source "$work/prefix/share/lofimap/env.sh"
jobs=$work/prefix/share/lofimap/slurm
cd "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
state_of() { scontrol show job "$1" | sed -nE 's/.*JobState=([A-Z_]+).*/\1/p' | head -n 1; }
wait_for_job() {  # JOBID: until it leaves the queue (polled every 0.2 s, for at most 5 minutes)
  for _ in $(seq 1 1500); do
    case "$(state_of "$1")" in PENDING | RUNNING | CONFIGURING | COMPLETING | "") sleep 0.2 ;; *) return 0 ;; esac
  done
  return 1
}
# sbatch ARGS...: submits, waits until the job leaves the queue, succeeds when it COMPLETED. Not `sbatch --wait`,
# which polls at intervals growing to 10 s and so added up to 10 s to every job of this test.
run_job() {
  local id
  id=$(sbatch --parsable "$@") || return 1
  id=${id%%;*}
  wait_for_job "$id" || return 1
  [ "$(state_of "$id")" = COMPLETED ]
}
same_map() {  # A B COLUMNS...: the same pixels, values equal to float rounding (made on other numbers of ranks)
  /usr/bin/python3 - "$@" <<'PY'
import sys
import numpy as np
from astropy.io import fits
a, b = fits.getdata(sys.argv[1], 1), fits.getdata(sys.argv[2], 1)
same_pixels = np.array_equal(a["PIXEL"], b["PIXEL"])
worst = max(np.max(np.abs(a[c] - b[c])) / max(np.max(np.abs(b[c])), 1e-30) for c in sys.argv[3:]) if same_pixels else np.inf
print(f"{sys.argv[1]} vs {sys.argv[2]}: {len(a)} and {len(b)} pixels, largest difference {worst:.1e} of the largest value")
sys.exit(0 if same_pixels and worst < 1e-6 else 1)
PY
}

lofimap -q simulate training-set -o set.h5 --maps 12 --npix 32 --pixel 1 --density 20 --lambda 1 || exit 1
"$make_catalogue" -o cat.fits --ra 30 --dec 40 --npix 240 --pixel 1 --density 4 --haloes 6 >/dev/null || exit 1

# 1. Training at 2 tasks.
cat >train.toml <<'TOML'
[train]
training-set = ["set.h5"]
output = "model.pt"
validation-maps = 2
global-batch = 4
coords-per-map = 64
steps = 6
checkpoint-every = 3
validate-every = 1000
TOML
run_job --ntasks=2 --output=train.log "$jobs/train.sbatch" train.toml
rc=$?
if [ "$rc" -ne 0 ] || [ ! -s model.pt ] || [ ! -s model.pt.checkpoint ] || ! grep -q "plugin    $work/prefix/lib" train.log ||
  ! grep -q "2 ranks share a global batch of 4 maps" train.log; then
  cat train.log; fail "train.sbatch at 2 tasks: exit $rc"
else
  echo "ok   1. train.sbatch: 2 tasks from the installed prefix, model and checkpoint written"
fi

# 2. map.sbatch against mpirun.
cat >map.toml <<'TOML'
[map]
input = ["cat.fits"]
preset = "cosmos"
regions = 16
margin = 2.0
nside = 512
pixel = 1
output = "slurm_map.fits"
TOML
# The job mechanics, not the model, are under test: the compact model and 2 deg margins (spherical large scales
# 4x cheaper to make) keep the maps fast.
echo "model = \"$work/prefix/share/lofimap/models/lognormal_compact.pt\"" >>map.toml
run_job --ntasks=2 --output=map.log "$jobs/map.sbatch" map.toml || { cat map.log; fail "map.sbatch"; }
mpirun --allow-run-as-root --oversubscribe -np 2 lofimap -q --threads 1 --config map.toml map -o mpirun_map.fits ||
  fail "mpirun map"
same_map slurm_map.fits mpirun_map.fits KAPPA KAPPA_KS NGAL && echo "ok   2. map.sbatch = mpirun" || fail "map.sbatch differs from mpirun"

# 3. A job array of 2 shares and the merge job.
sed 's/slurm_map.fits/array_map.fits/' map.toml >array.toml
ids=$("$jobs/submit_map_array.sh" array.toml 2 2 map -- --ntasks=1 --output=array-%A_%a.log)
merge=${ids#* }
wait_for_job "$merge" || fail "the merge job did not finish"
if [ "$(state_of "$merge")" != COMPLETED ]; then
  cat array-*.log lofimap-map-merge-*.log 2>/dev/null; fail "array + merge: merge job $(state_of "$merge")"
else
  same_map array_map.fits slurm_map.fits KAPPA KAPPA_KS NGAL && echo "ok   3. array of 2 shares + merge (afterok) = map.sbatch" ||
    fail "the merged map differs"
fi

# 4. Pre-empting training: USR1 to the batch shell, checkpoint, requeue path, exact continuation.
cat >long.toml <<'TOML'
[train]
training-set = ["set.h5"]
output = "long.pt"
validation-maps = 2
global-batch = 8
micro-batch = 1
coords-per-map = 2048
steps = 12
checkpoint-every = 100
validate-every = 1000
TOML
sed 's/long.pt/reference.pt/' long.toml >reference.toml
run_job --ntasks=2 --output=reference.log "$jobs/train.sbatch" reference.toml || { cat reference.log; fail "reference training"; }
job=$(LOFIMAP_REQUEUE_FLAG=$work/requeued sbatch --parsable --ntasks=2 --output=long.log "$jobs/train.sbatch" long.toml)
for _ in $(seq 1 300); do [ -s long.pt.log.csv ] && [ "$(wc -l <long.pt.log.csv)" -ge 3 ] && break; sleep 0.1; done
scancel --signal=USR1 --batch "$job"
wait_for_job "$job"
if [ ! -s requeued ] || [ ! -s long.pt.checkpoint ] || [ -e long.pt ] || [ "$(state_of "$job")" != COMPLETED ]; then
  cat long.log; fail "USR1 to training: requeue flag $(cat requeued 2>/dev/null), job $(state_of "$job")"
fi
stopped_at=$(($(wc -l <long.pt.log.csv) - 1))
run_job --ntasks=2 --output=long2.log "$jobs/train.sbatch" long.toml || { cat long2.log; fail "restart"; }
grep -q "resumed from" long2.log || fail "the restart did not resume from the checkpoint"
if cmp -s <(cut -d, -f1-3 long.pt.log.csv) <(cut -d, -f1-3 reference.pt.log.csv) && [ "$stopped_at" -lt 12 ]; then
  echo "ok   4. USR1 -> checkpoint after step $stopped_at, requeue path, restart continues the loss curve exactly"
else
  paste -d' ' long.pt.log.csv reference.pt.log.csv | head -20; fail "the resumed loss curve differs from the uninterrupted one"
fi

# 5. Pre-empting map production: finished regions are kept and not mapped again.
cat >slow_map.toml <<'TOML'
[map]
input = ["cat.fits"]
preset = "cosmos"
regions = 16
nside = 512
pixel = 1
noise-realisations = 12
large-scales = "box"
output = "preempted.fits"
TOML
# The job mechanics, not the model, are under test: the compact model and each region's own KS at every scale
# (no spherical large scales to make, 5 s a run) keep the maps fast.
echo "model = \"$work/prefix/share/lofimap/models/lognormal_compact.pt\"" >>slow_map.toml
sed 's/preempted.fits/unbroken.fits/' slow_map.toml >unbroken.toml
job=$(LOFIMAP_REQUEUE_FLAG=$work/map_requeued sbatch --parsable --ntasks=1 --output=slow.log "$jobs/map.sbatch" slow_map.toml)
for _ in $(seq 1 600); do ls preempted.fits.parts/region_*.bin >/dev/null 2>&1 && break; sleep 0.1; done
scancel --signal=USR1 --batch "$job"
wait_for_job "$job"
done_before=$(ls preempted.fits.parts/region_*.bin 2>/dev/null | wc -l)
if [ ! -s map_requeued ] || [ -e preempted.fits ] || [ "$done_before" -lt 1 ] || [ "$done_before" -ge 6 ]; then
  cat slow.log; fail "USR1 to map production: flag $(cat map_requeued 2>/dev/null), $done_before regions finished"
fi
run_job --ntasks=2 --output=slow2.log "$jobs/map.sbatch" slow_map.toml || { cat slow2.log; fail "map restart"; }
run_job --ntasks=1 --output=unbroken.log "$jobs/map.sbatch" unbroken.toml || fail "unbroken map"
if grep -q "$done_before of them from the interrupted run" slow2.log &&
  same_map preempted.fits unbroken.fits KAPPA NOISE_STD SNR; then
  echo "ok   5. USR1 -> $done_before finished regions kept, restart maps the rest; the map equals an uninterrupted one"
else
  cat slow2.log; fail "map production did not resume"
fi

# 6. One task fails: a shim makes task 1 unable to load the LibTorch plugin.
mkdir -p shim/bin
ln -s "$work/prefix/share" shim/share
cat >shim/bin/lofimap <<SHIM
#!/bin/bash
[ "\${SLURM_PROCID:-0}" = 1 ] && export LOFIMAP_TORCH_PLUGIN=/nonexistent/liblofimap_torch.so
exec "$work/prefix/bin/lofimap" "\$@"
SHIM
chmod +x shim/bin/lofimap
sed 's/model.pt/failing.pt/' train.toml >failing.toml
(export PATH="$work/shim/bin:$PATH"; run_job --ntasks=2 --output=failing.log "$jobs/train.sbatch" failing.toml)
rc=$?
job=$(sed -nE 's/^=== lofimap train job ([0-9]+).*/\1/p' failing.log | head -n 1)
if [ "$rc" -eq 0 ] || [ "$(state_of "$job")" != FAILED ] || ! grep -q "cannot load the LibTorch runtime" failing.log; then
  cat failing.log; fail "a failing task: sbatch exit $rc, job $job $(state_of "$job")"
else
  echo "ok   6. one task fails -> sbatch exit $rc, SLURM state FAILED"
fi

# 7. Training-set shards from an array.
cat >sim.toml <<'TOML'
[simulate.training-set]
maps = 4
npix = 16
pixel = 1
density = [20, 30]
lambda = 1
TOML
mkdir -p shards
array=$(sbatch --parsable --array=0-1 --ntasks=1 --output=sim-%A_%a.log "$jobs/simulate.sbatch" sim.toml shards/set)
array=${array%%;*}
for task in 0 1; do wait_for_job "${array}_$task"; done
if [ -s shards/set_0.h5 ] && [ -s shards/set_1.h5 ] && ! cmp -s shards/set_0.h5 shards/set_1.h5 &&
  /usr/bin/python3 -c "import h5py, sys; a, b = h5py.File('shards/set_0.h5'), h5py.File('shards/set_1.h5'); sys.exit(int(a.attrs['seed']) == int(b.attrs['seed']))"; then
  echo "ok   7. simulate.sbatch array: shards set_0.h5 and set_1.h5 with different seeds"
else
  cat sim-*.log; fail "simulate.sbatch array"
fi

# 8. Fail fast: a missing configuration is named before anything runs (the script runs outside SLURM too).
bash "$jobs/train.sbatch" missing.toml >missing.txt 2>&1
rc=$?
if [ "$rc" -ne 1 ] || ! grep -q "training configuration (CONFIG.toml) 'missing.toml' does not exist" missing.txt; then
  cat missing.txt; fail "a missing configuration: exit $rc"
else
  echo "ok   8. a missing configuration -> exit 1 naming it"
fi

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
