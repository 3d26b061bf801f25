#!/usr/bin/env bash
# A failure on one rank ends the whole MPI job with the failing rank's exit code, instead of leaving the other
# ranks waiting in a collective. Two ranks (MPMD launch) run `lofimap map` on the same catalogue; rank 0 cannot
# load its LibTorch plugin (exit 1), rank 1 can and goes on into the distributed ingest, where it would wait for
# rank 0 forever. The job must end within the timeout with a non-zero status.
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
