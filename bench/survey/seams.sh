#!/usr/bin/env bash
# Seams and memory of region maps against the margin: a noise-free 10 x 10 deg field (lofimap-make-catalogue,
# sigma_e 0, 12 Gaussian haloes, 400,000 galaxies, centred on a region of nside 2) mapped by `lofimap ks
# --regions 16 --pixel 4 --smooth 8 --nside 512` with margins of 1, 2 and 3 deg, compared with one region of
# nside 2 holding the whole field, on the pixels at least 1.5 deg inside the field's edge. Prints the rms
# difference as a share of the map rms and how many regions hold each galaxy.
# Usage: bench/survey/seams.sh [WORK_DIR]      (default bench/work/seams)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$root/bench/work/seams}
mkdir -p "$work"
cd "$work"
bin=$root/build/release/bin
"$bin/lofimap-make-catalogue" -o field.fits --ra 202.5 --dec 0 --npix 300 --pixel 2 -n 400000 --sigma-e 0 \
  --haloes 12 --seed 5 --overwrite >/dev/null
common=(ks -i field.fits --preset cosmos --nside 512 --pixel 4 --smooth 8 --no-png --overwrite)
"$bin/lofimap" -q "${common[@]}" --regions 2 --margin 1 -o one.fits
for margin in 1 2 3; do
  "$bin/lofimap" "${common[@]}" --regions 16 --margin "$margin" -o many_$margin.fits 2>&1 |
    grep -oE "held by [0-9.]+ regions \(margin [0-9.]+ deg\)"
done
/usr/bin/python3 - <<'PY'
import healpy as hp
import numpy as np
from astropy.io import fits
b = fits.getdata("one.fits", 1)
for margin in (1, 2, 3):
    a = fits.getdata(f"many_{margin}.fits", 1)
    common, ia, ib = np.intersect1d(a["PIXEL"], b["PIXEL"], return_indices=True)
    theta, phi = hp.pix2ang(512, common, nest=True)
    ra, dec = np.degrees(phi), 90 - np.degrees(theta)
    inner = (np.abs((ra - 202.5) * np.cos(np.radians(dec))) < 3.5) & (np.abs(dec) < 3.5)
    d = a["KAPPA_E"][ia][inner] - b["KAPPA_E"][ib][inner]
    ref = b["KAPPA_E"][ib][inner]
    print(f"margin {margin} deg: {inner.sum()} pixels, rms difference {np.sqrt(np.mean(d * d)) / ref.std():.1%} "
          "of the map rms")
PY
