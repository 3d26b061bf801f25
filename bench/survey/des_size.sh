#!/usr/bin/env bash
# A DES-Y3-size survey map on this machine: 10^8 simulated galaxies over 4,100 deg^2 (lognormal sky, lambda
# 0.02, HEALPix nside 2048 truth; a band Dec -60..-40 over 320 deg of RA; 6.79 galaxies per arcmin^2,
# sigma_e 0.26) mapped to a HEALPix LoFi map at nside 4096 with the shipped model (`lofimap map --regions 16
# --pixel 1`) at RANKS ranks (default 2, one thread each). Records the wall time per stage and the peak memory
# per rank from lofimap's own summary. Usage: bench/survey/des_size.sh [RANKS] [WORK_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ranks=${1:-2}
work=${2:-$root/bench/work/des}
mkdir -p "$work"
cd "$work"
(cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release -j"$(nproc)" >/dev/null)
bin=$root/build/release/bin
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
if [ ! -s des.fits ]; then
  /usr/bin/time -f "catalogue: %e s, %M KB peak" "$bin/lofimap" --threads "$(nproc)" simulate catalogue \
    --sphere --nside 2048 --lambda 0.02 --density 6.79 --sigma-e 0.26 --ra-range 200 160 --dec-range -60 -40 \
    --seed 3 -o des.fits --truth des_truth.fits --no-png --overwrite
fi
ls -la des.fits
/usr/bin/time -f "wall %e s" mpirun -n "$ranks" --oversubscribe "$bin/lofimap" --threads 1 map -i des.fits \
  --preset generic --regions 16 --nside 4096 --pixel 1 -o "des_map_$ranks.fits" --no-png --overwrite 2>&1 |
  grep -E "catalogue|regions:|timings|peak memory|model|wall"
