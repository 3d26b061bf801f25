#!/usr/bin/env bash
# Seams of region maps on a sky simulated on the sphere: a noise-free halo-model sky (HEALPix nside 2048;
# haloes above 3e12 Msun as truncated NFW profiles on a Gaussian background; shear from the spherical forward
# model), DENSITY galaxies per arcmin^2 (default 44: 18 million) over a 6 deg disc about (202.5, 0), mapped by
# `lofimap ks --regions 16 --smooth 8 --nside 512` (margin 1 deg, spherical large scales) and by one region
# of nside 2 that holds the whole disc (a 29 deg plane), at 2' and 1' input pixels; compared on the pixels
# within 4.5 deg of the centre. The floor: the one-region map again on a grid whose pixel is 0.5% smaller
# (the same galaxies binned into other cells; no regions involved). Each map is also scored against the truth
# (the simulated kappa smoothed by the same 8' Gaussian with healpy, read at the pixel centres).
# Usage: bench/survey/seams.sh [WORK_DIR]      (default bench/work/seams_sphere)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$root/bench/work/seams_sphere}
density=${DENSITY:-44}
mkdir -p "$work"
cd "$work"
bin=$root/build/release/bin
if [ ! -s "field_$density.fits" ]; then
  /usr/bin/time -f "simulate: wall %e s, peak %M kB" "$bin/lofimap" --threads "$(nproc)" simulate catalogue \
    --sphere --nside 2048 --family halo-model --density "$density" --sigma-e 0 --disc 202.5 0 6 --seed 5 \
    -o "field_$density.fits" --truth truth.fits --no-png --overwrite 2>&1 | tail -1
fi
common=(ks -i "field_$density.fits" --nside 512 --smooth 8 --margin 1 --no-png --overwrite)
pairs=()
for p in 2 1; do
  shifted=$(/usr/bin/python3 -c "print($p * 0.995)")
  "$bin/lofimap" -q "${common[@]}" --pixel "$p" --regions 16 -o "many_$p.fits"
  "$bin/lofimap" -q "${common[@]}" --pixel "$p" --regions 2 -o "one_$p.fits"
  "$bin/lofimap" -q "${common[@]}" --pixel "$shifted" --regions 2 -o "one_shifted_$p.fits"
  pairs+=("many_$p.fits" "one_$p.fits" "one_shifted_$p.fits" "one_$p.fits")
done
"$bin/lofimap" -q "${common[@]}" --pixel 2 --regions 16 --large-scales box -o many_box_2.fits
"$bin/lofimap" -q "${common[@]}" --pixel 2 --regions 2 --large-scales box -o one_box_2.fits
pairs+=(many_box_2.fits one_box_2.fits)
/usr/bin/python3 - "${pairs[@]}" <<'PY'
import os
import sys
import healpy as hp
import numpy as np
from astropy.io import fits
nside = 512
centre = hp.ang2vec(202.5, 0.0, lonlat=True)
if not os.path.exists("truth_s8.npy"):
    np.save("truth_s8.npy", hp.smoothing(hp.read_map("truth.fits"), sigma=np.radians(8 / 60), lmax=6143, iter=0))
truth = np.load("truth_s8.npy")
def load(f):
    a = fits.getdata(f, 1)
    return a["PIXEL"], a["KAPPA_E"]
print("a - b: rms and largest |a - b| as shares of b's rms (within 4.5 deg of the centre); each against the truth")
for fa, fb in zip(sys.argv[1::2], sys.argv[2::2]):
    pa, ka = load(fa)
    pb, kb = load(fb)
    common, ia, ib = np.intersect1d(pa, pb, return_indices=True)
    inner = np.degrees(np.arccos(np.clip(centre @ np.array(hp.pix2vec(nside, common, nest=True)), -1, 1))) < 4.5
    theta, phi = hp.pix2ang(nside, common[inner], nest=True)
    t = hp.get_interp_val(truth, theta, phi)
    a, b = ka[ia][inner], kb[ib][inner]
    d = a - b
    def err(m):
        e = (m - m.mean()) - (t - t.mean())
        return np.sqrt(np.mean(e * e)) / t.std()
    print(f"{fa} - {fb}: rms {np.sqrt(np.mean(d * d)) / b.std():.2%}, largest {np.abs(d).max() / b.std():.2%} "
          f"over {inner.sum()} pixels; vs truth rms {err(a):.2%} and {err(b):.2%}")
PY
