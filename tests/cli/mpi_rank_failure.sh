#!/usr/bin/env bash
# A failure on one rank ends the whole MPI job with the failing rank's exit code, instead of leaving the other
# ranks waiting in a collective. Two ranks (MPMD launch) run `lofimap map` on the same catalogue; rank 0 cannot
# load its LibTorch plugin (exit 1), rank 1 can and goes on into the distributed ingest, where it would wait for
# rank 0 forever. The job must end within the timeout with a non-zero status.
# Then a rank killed outright (SIGKILL) in the middle of a two-rank `lofimap train`: the other rank must not
# wait for it; the job ends within seconds with a non-zero status and the last checkpoint stays loadable.
set -uo pipefail
mpiexec=$1
lofimap=$2
make_catalogue=$3
work=$(mktemp -d /tmp/lofimap-mpi-failure.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$make_catalogue" -o cat.fits --preset cosmos --npix 32 --pixel 1 --density 10 >/dev/null || exit 1
start=$(date +%s)
timeout 120 "$mpiexec" --allow-run-as-root --oversubscribe \
  -np 1 -x LOFIMAP_TORCH_PLUGIN="$work/no_such_plugin.so" "$lofimap" map -i cat.fits --preset cosmos -o out.fits : \
  -np 1 "$lofimap" map -i cat.fits --preset cosmos -o out.fits >log.txt 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))
cat log.txt
if [ "$rc" -eq 124 ]; then echo "FAIL: the job hung (killed by the timeout after ${elapsed} s)"; exit 1; fi
if [ "$rc" -eq 0 ]; then echo "FAIL: the job reported success"; exit 1; fi
grep -q "cannot load the LibTorch runtime" log.txt || { echo "FAIL: the failing rank's message is missing"; exit 1; }
[ -e out.fits ] && { echo "FAIL: an output was written"; exit 1; }
echo "ok: job ended with status $rc after ${elapsed} s"

"$lofimap" -q simulate training-set -o set.h5 --maps 12 --npix 32 --pixel 1 --density 20 --lambda 1 || exit 1
timeout 120 "$mpiexec" --allow-run-as-root --oversubscribe -np 2 "$lofimap" --threads 1 train --training-set set.h5 \
  --validation-maps 2 --global-batch 4 --coords-per-map 256 --steps 100000 --checkpoint-every 5 \
  --validate-every 1000 -o killed.pt >train.txt 2>&1 &
job=$!
for _ in $(seq 1 300); do [ -s killed.pt.checkpoint ] && break; sleep 0.1; done
[ -s killed.pt.checkpoint ] || { cat train.txt; echo "FAIL: no checkpoint before the kill"; exit 1; }
victim=$(pgrep -f "^$lofimap --threads 1 train --training-set set.h5" | tail -1)  # a rank, not mpiexec
[ -n "$victim" ] || { echo "FAIL: no rank process found"; exit 1; }
kill -KILL "$victim"
killed=$(date +%s)
wait "$job"
rc=$?
elapsed=$(( $(date +%s) - killed ))
if [ "$rc" -eq 124 ]; then cat train.txt; echo "FAIL: the training job hung after a rank was killed"; exit 1; fi
if [ "$rc" -eq 0 ] || [ "$elapsed" -gt 20 ]; then cat train.txt; echo "FAIL: status $rc after ${elapsed} s"; exit 1; fi
pgrep -f "^$lofimap --threads 1 train" && { echo "FAIL: ranks still running"; exit 1; }
# The checkpoint is whole: one rank resumes from it and stops after one step (exit 4).
"$lofimap" --threads 1 train --training-set set.h5 --validation-maps 2 --global-batch 4 --coords-per-map 256 \
  --steps 100000 --checkpoint-every 5 --validate-every 1000 -o killed.pt --resume --stop-after 1 >resume.txt 2>&1
rc2=$?
[ "$rc2" -eq 4 ] || { cat resume.txt; echo "FAIL: resume from the checkpoint after the kill: exit $rc2"; exit 1; }
# Ranks started with different options (an MPMD launch): the job fails at once, naming the rank and option.
timeout 120 "$mpiexec" --allow-run-as-root --oversubscribe \
  -np 1 "$lofimap" --threads 1 train --training-set set.h5 --validation-maps 2 --steps 5 -o mixed.pt : \
  -np 1 "$lofimap" --threads 1 train --training-set set.h5 --validation-maps 2 --steps 5 --lr 0.01 -o mixed.pt \
  >mixed.txt 2>&1
rc3=$?
if [ "$rc3" -eq 0 ] || [ "$rc3" -eq 124 ] || ! grep -q "rank 1 was started with other options than rank 0: --lr: 0.001 on rank 0, 0.01 here" mixed.txt; then
  cat mixed.txt; echo "FAIL: ranks with different --lr: status $rc3"; exit 1
fi
[ -e mixed.pt ] && { echo "FAIL: a model was written"; exit 1; }
echo "ok: ranks started with different options -> status $rc3, naming rank 1 and --lr"
echo "ok: a killed rank ended the training job with status $rc after ${elapsed} s; the checkpoint resumed"
