#!/usr/bin/env bash
# Survey-scale map production on this machine: a simulated catalogue of GALAXIES galaxies (default 5e7) over a
# 31.7 x 31.7 deg field (1,000 deg^2, Gaussian haloes, lofimap-make-catalogue) mapped by `lofimap ks --regions 16
# --nside 4096 --pixel 1` at 1, 2 and 4 ranks (one thread each; 2 cores here, so 4 ranks share them), with the
# rows held by the ranks and read again for every pass (--reread-catalogue). Records the wall time per stage
# and the peak memory per rank from lofimap's own summary, and checks that the maps are identical. Usage: bench/survey/run.sh [GALAXIES] [WORK_DIR]     (default 5e7, bench/work/survey)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
galaxies=${1:-50000000}
work=${2:-$root/bench/work/survey}
mkdir -p "$work"
cd "$work"
(cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release -j"$(nproc)" >/dev/null)
bin=$root/build/release/bin
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
if [ ! -s big.fits ]; then
  /usr/bin/time -f "catalogue: %e s, %M KB peak" "$bin/lofimap-make-catalogue" -o big.fits --ra 180 --dec 0 \
    --npix 1900 --pixel 1 -n "$galaxies" --haloes 300 --seed 7 --overwrite
fi
ls -la big.fits
cat big.fits >/dev/null  # a warm page cache, as for every later read
for mode in held reread; do
  for ranks in 1 2 4; do
    echo "== $ranks rank(s), rows $mode"
    extra=()
    [ $mode = reread ] && extra=(--reread-catalogue)
    /usr/bin/time -f "wall %e s" mpirun -n "$ranks" --oversubscribe "$bin/lofimap" --threads 1 ks -i big.fits \
      --preset cosmos --regions 16 --nside 4096 --pixel 1 "${extra[@]}" -o map_${mode}_$ranks.fits --no-png \
      --overwrite 2>&1 | grep -E "regions:|timings|peak memory|wall"
  done
done
/usr/bin/python3 - <<'PY'
import numpy as np
from astropy.io import fits
ref = fits.getdata("map_held_1.fits", 1)
for n in ("held_2", "held_4", "reread_1", "reread_2", "reread_4"):
    other = fits.getdata(f"map_{n}.fits", 1)
    same_pixels = np.array_equal(ref["PIXEL"], other["PIXEL"])
    worst = max(np.max(np.abs(other[c] - ref[c])) / np.max(np.abs(ref[c])) for c in ("KAPPA_E", "KAPPA_B", "NGAL"))
    print(f"{n}: {len(other)} pixels, same pixels as held_1: {same_pixels}, largest difference {worst:.1e} "
          "of the largest value")
PY
