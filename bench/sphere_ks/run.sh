#!/usr/bin/env bash
# Benchmark: spherical KS (spin-2 analysis with ITER Jacobi refinements, l-space scaling, two syntheses) at
# nside 1024, lmax 2048, lofimap against healpy doing the same transforms with the same library (libsharp), at
# 1 thread and at THREADS, alternating within each repeat, in the same invocation. The ratio is printed only
# when the machine was idle at the start (bench/common/machine_load.sh).
# Usage: bench/sphere_ks/run.sh [build dir] [nside] [lmax] [threads] [iter] [repeats]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
nside=${2:-1024}
lmax=${3:-2048}
threads=${4:-$(nproc)}
iter=${5:-0}
repeats=${6:-3}
source "$root/bench/common/machine_load.sh"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); nside $nside, lmax $lmax, iter $iter"
machine_load
for t in 1 "$threads"; do
  ours="" peer=""
  for ((r = 0; r < repeats; r++)); do  # alternate, so that drift hits both alike
    ours="$ours $(OMP_NUM_THREADS=$t "$build/bin/lofimap-bench-sphere-ks" "$nside" "$lmax" "$iter" "$t" 1)"
    peer="$peer $(OMP_NUM_THREADS=$t /usr/bin/python3 "$root/bench/sphere_ks/healpy_ks.py" "$nside" "$lmax" "$iter" 1)"
  done
  best_ours=$(tr ' ' '\n' <<<"$ours" | grep . | sort -g | head -1)
  best_peer=$(tr ' ' '\n' <<<"$peer" | grep . | sort -g | head -1)
  printf "%d thread(s): lofimap %.3f s (runs:%s)   healpy %.3f s (runs:%s)" "$t" "$best_ours" "$ours" "$best_peer" "$peer"
  if machine_idle; then printf "   ratio lofimap/healpy %.3f\n" "$(echo "$best_ours / $best_peer" | bc -l)"; else echo "   (machine busy: no ratio)"; fi
  echo "$best_ours $best_peer" >"/tmp/sphere_ks_bench_$t"
done
if machine_idle; then
  read -r o1 p1 <"/tmp/sphere_ks_bench_1"
  read -r on pn <"/tmp/sphere_ks_bench_$threads"
  printf "1 -> %d threads: lofimap %.2fx faster, healpy %.2fx faster\n" "$threads" "$(echo "$o1 / $on" | bc -l)" \
    "$(echo "$p1 / $pn" | bc -l)"
fi
