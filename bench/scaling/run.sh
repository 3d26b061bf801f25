#!/usr/bin/env bash
# Benchmark: thread and rank scaling of every stage, each as a user runs it, at 1 thread, 2 threads, and 2 MPI
# ranks of 1 thread; best wall time of REPEATS runs each. From the 1 -> 2 speed-up S2 it prints the parallel
# fraction of Amdahl's law, f = 2 (1 - 1/S2), and a projection to 64 cores or 64 ranks, S64 = 1 / ((1 - f) +
# f / 64). Assumptions (written beside the table in bench/README.md): the serial part stays serial, the
# parallel part divides evenly, memory bandwidth and communication cost per rank stay as measured at 2.
# Stage times are the phases of lofimap's own timings line (see best()); the training step is wall time.
# Usage: bench/scaling/run.sh [build dir] [repeats]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build/release}" && pwd)
repeats=${2:-2}
work=$root/bench/work/scaling
mkdir -p "$work"
cd "$work"
source "$root/bench/common/machine_load.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
lofimap=$build/bin/lofimap
mpirun_2=(mpirun -n 2 --oversubscribe --bind-to none)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

# Inputs, made once: a 4 x 4 deg field of 10^6 galaxies (flat stages, spherical KS, regions), a C_ell table,
# and 64 training maps at 128^2.
[ -f field.fits ] || "$build/bin/lofimap-make-catalogue" -o field.fits --preset des --ra 60 --dec -30 --npix 480 \
  --pixel 0.5 -n 1000000 --haloes 10 --seed 3 >/dev/null
[ -f cl.txt ] || "$lofimap" -q simulate cl -o cl.txt
[ -f train.h5 ] || "$lofimap" -q simulate training-set -o train.h5 --maps 72 --npix 128 --pixel 1 \
  --lambda 0.02 --density 30 30 --sigma-e 0.26 0.26 --seed 5

# Time of a run: the sum of the named phases of lofimap's own "timings:" line (startup, MPI's included, left
# out: it is not the stage's work), or the wall time when no phase is named. Best of $repeats runs.
best() {  # phases ("a|b", or "" for wall time), command...
  local phases=$1 b=""
  shift
  for ((r = 0; r < repeats; r++)); do
    [ -z "${CLEAN:-}" ] || rm -rf $CLEAN  # outputs a run would refuse to replace or resume from
    local t0 t1 s
    t0=$(date +%s.%N)
    "$@" >run.log 2>&1 || { echo "FAILED: $*" >&2; tail -3 run.log >&2; exit 1; }
    t1=$(date +%s.%N)
    if [ -z "$phases" ]; then
      s=$(echo "$t1 - $t0" | bc -l)
    else
      s=$(grep -m1 '^timings:' run.log | sed 's/^timings: //' | tr ',' '\n' |
        awk -v want="$phases" '{ sub(/^ +/, ""); sub(/ \(system.*/, ""); t = $NF == "s" ? $(NF-1) : "";
          name = $0; sub(/ [0-9.]+ s$/, "", name); if (name ~ "^(" want ")$") sum += t } END { printf "%.3f", sum }')
    fi
    if [ -z "$b" ] || (($(echo "$s < $b" | bc -l))); then b=$s; fi
  done
  echo "$b"
}

stage() {  # name, phases, then the command's arguments after `lofimap --threads N`
  local name=$1 phases=$2
  shift 2
  local t1 t2 r2
  t1=$(best "$phases" "$lofimap" --threads 1 "$@")
  t2=$(best "$phases" "$lofimap" --threads 2 "$@")
  r2=$(best "$phases" "${mpirun_2[@]}" "$lofimap" --threads 1 "$@")
  report "$name" "$t1" "$t2" "$r2"
}

report() {  # name, 1 thread, 2 threads, 2 ranks of 1 thread
  awk -v n="$1" -v a="$2" -v b="$3" -v c="$4" 'BEGIN {
    st = a / b; sr = a / c; ft = 2 * (1 - 1 / st); fr = 2 * (1 - 1 / sr);
    ft = ft < 0 ? 0 : (ft > 1 ? 1 : ft); fr = fr < 0 ? 0 : (fr > 1 ? 1 : fr);  # Amdahl: 0 <= f <= 1
    pt = 1 / ((1 - ft) + ft / 64); pr = 1 / ((1 - fr) + fr / 64);
    printf "| %s | %.2f | %.2f | %.2f | %.2fx (f %.2f, 64 cores %.1fx) | %.2fx (f %.2f, 64 ranks %.1fx) |\n",
      n, a, b, c, st, ft, pt, sr, fr, pr }'
}

machine_load
echo "| stage | 1 thread [s] | 2 threads [s] | 2 ranks x 1 thread [s] | threads: speed-up, parallel fraction, projection | ranks: speed-up, parallel fraction, projection |"
echo "|---|---|---|---|---|---|"
stage "ingest + flat KS, 10^6 galaxies -> 1024^2" "ingest and binning|Kaiser-Squires" ks -i field.fits --preset des \
  --npix 1024 --pixel 0.25 --center 60 -30 -o ks.fits --no-png --overwrite
stage "flat Wiener CG, 1024^2" "Wiener filter" ks -i field.fits --preset des --npix 1024 --pixel 0.5 --center 60 -30 \
  --wiener cl.txt -o wiener.fits --no-png --overwrite
stage "spherical KS, nside 1024, lmax 2048" "spherical Kaiser-Squires" ks -i field.fits --preset des --sphere \
  --nside 1024 -o sphere.fits --no-png --overwrite
stage "LoFi map (shipped medium), 512^2 queries" "LoFi" map -i field.fits --preset des --npix 512 --pixel 0.5 \
  --center 60 -30 -o lofi.fits --no-png --overwrite
stage "region map (LoFi), regions of nside 16, output nside 2048" \
  "ingest|large scales|exchange plan|exchange|regions|output" map -i field.fits --preset des --regions 16 \
  --nside 2048 --pixel 1 -o regions.h5 --overwrite
CLEAN="model.pt*" stage "training, published size, 4 steps of 64 maps x 512 coordinates (wall)" "" train \
  --training-set train.h5 -o model.pt --model-size published --steps 4 --global-batch 64 --micro-batch 32 \
  --validation-maps 8 --validate-every 1000 --checkpoint-every 1000
