#!/usr/bin/env bash
# Benchmark: simulation throughput. (1) 1,000 lognormal training maps of 256^2 at 0.5' (noise, masks, KS
# input) written to compressed HDF5, on 1 rank (2 threads) and on 2 ranks (1 thread each); (2) a full-sky
# catalogue of ~10^7 galaxies from a lognormal HEALPix field at nside 1024.
# Usage: bench/simulate/run.sh [build dir] [maps]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
maps=${2:-1000}
work=$root/bench/work
mkdir -p "$work"
bin=$build/bin/lofimap
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
report() {  # label, time file, output
  read -r secs kb <"$2"
  printf "%-34s %8.1f s  peak RSS %6.0f MiB per process  %s\n" "$1" "$secs" "$(echo "$kb / 1024" | bc -l)" \
    "$(du -h "$3" | cut -f1)"
}
args=(simulate training-set --maps "$maps" --npix 256 --pixel 0.5 --lambda 0.02 --density 5 60 --sigma-e 0.25 0.31
      --masked-fraction 0.1 --seed 1 --overwrite)
/usr/bin/time -f "%e %M" -o "$work/t1.txt" "$bin" --quiet --threads 2 "${args[@]}" -o "$work/train_1rank.h5"
report "training set, 1 rank x 2 threads" "$work/t1.txt" "$work/train_1rank.h5"
/usr/bin/time -f "%e %M" -o "$work/t2.txt" mpirun -n 2 --bind-to none "$bin" --quiet --threads 1 "${args[@]}" \
  -o "$work/train_2ranks.h5"
report "training set, 2 ranks x 1 thread" "$work/t2.txt" "$work/train_2ranks.h5"
/usr/bin/time -f "%e %M" -o "$work/t3.txt" "$bin" --quiet simulate catalogue --sphere --nside 1024 --lambda 0.02 \
  --density 0.0673 --preset des --seed 2 --no-png --overwrite -o "$work/fullsky_cat.fits"
report "full-sky catalogue, nside 1024" "$work/t3.txt" "$work/fullsky_cat.fits"
"$bin" info "$work/fullsky_cat.fits" | grep -m1 rows
