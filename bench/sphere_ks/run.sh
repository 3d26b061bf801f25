#!/usr/bin/env bash
# Benchmark: spherical KS at nside 1024, lmax 2048, lofimap against healpy doing the same transform, same
# thread count, in the same invocation. Usage: bench/sphere_ks/run.sh [build dir] [nside] [lmax] [threads]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
nside=${2:-1024}
lmax=${3:-2048}
threads=${4:-$(nproc)}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); nside $nside, lmax $lmax, $threads threads"
for iter in 0 3; do
  ours=$(OMP_NUM_THREADS=$threads "$build/bin/lofimap-bench-sphere-ks" "$nside" "$lmax" "$iter" "$threads" 2)
  peer=$(OMP_NUM_THREADS=$threads /usr/bin/python3 "$root/bench/sphere_ks/healpy_ks.py" "$nside" "$lmax" "$iter" 2)
  printf "iter %d: lofimap %8.3f s   healpy %8.3f s   ratio lofimap/healpy %.3f\n" "$iter" "$ours" "$peer" \
    "$(echo "$ours / $peer" | bc -l)"
done
