#!/usr/bin/env bash
# Seams of region maps against the margin and the large-scale method: a noise-free 10 x 10 deg field
# (lofimap-make-catalogue, sigma_e 0, 12 Gaussian haloes, 4,000,000 galaxies = 11 per arcmin^2, centred on a
# region of nside 2) mapped by `lofimap ks --regions 16 --pixel 4 --smooth 8 --nside 512` with margins of 1, 2
# and 3 deg, with the spherical large scales (default) and with each region's own KS at every scale (box), each
# compared with one region of nside 2 holding the whole field made the same way, on the pixels at least 1.5 deg
# inside the field's edge; and every map against the truth (the catalogue's TRUE_KAPPA averaged per pixel and
# smoothed by the same 8' Gaussian with healpy). Prints rms and largest difference as shares of the map rms.
# Usage: bench/survey/seams_flat.sh [WORK_DIR]      (default bench/work/seams)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$root/bench/work/seams}
mkdir -p "$work"
cd "$work"
bin=$root/build/release/bin
[ -s dense.fits ] || "$bin/lofimap-make-catalogue" -o dense.fits --ra 202.5 --dec 0 --npix 300 --pixel 2 \
  -n 4000000 --sigma-e 0 --haloes 12 --seed 5 --overwrite >/dev/null
common=(ks -i dense.fits --preset cosmos --nside 512 --pixel 4 --smooth 8 --no-png --overwrite)
for margin in 1 2 3; do
  for large in sphere box; do
    # One region of nside 2 spans 29 deg: with margins beyond 2 deg its plane would pass 60 deg.
    [ "$margin" = 3 ] || "$bin/lofimap" -q "${common[@]}" --regions 2 --margin "$margin" --large-scales "$large" \
      -o "one_${large}_$margin.fits"
    "$bin/lofimap" "${common[@]}" --regions 16 --margin "$margin" --large-scales "$large" \
      -o "many_${large}_$margin.fits" 2>&1 | grep -oE "held by [0-9.]+ regions \(margin [0-9.]+ deg\)|timings.*"
  done
done
/usr/bin/python3 - <<'PY'
import os
import healpy as hp
import numpy as np
from astropy.io import fits
nside = 512
cat = fits.getdata("dense.fits", 1)
pix = hp.ang2pix(nside, np.radians(90 - cat["DEC"]), np.radians(cat["RA"]))
n = np.bincount(pix, minlength=12 * nside**2)
truth = np.where(n > 0, np.bincount(pix, cat["TRUE_KAPPA"], minlength=12 * nside**2) / np.maximum(n, 1), 0.0)
truth = hp.reorder(hp.smoothing(truth, sigma=np.radians(8 / 60), iter=3), r2n=True)
def inner(pixels):
    theta, phi = hp.pix2ang(nside, pixels, nest=True)
    ra, dec = np.degrees(phi), 90 - np.degrees(theta)
    return (np.abs((ra - 202.5) * np.cos(np.radians(dec))) < 3.5) & (np.abs(dec) < 3.5)
for margin in (1, 2, 3):
    for large in ("sphere", "box"):
        a = fits.getdata(f"many_{large}_{margin}.fits", 1)
        keep = inner(a["PIXEL"])
        k, t = a["KAPPA_E"][keep], truth[a["PIXEL"][keep]]
        d = (k - k.mean()) - (t - t.mean())
        line = f"margin {margin} deg, {large:6s}: vs truth rms {np.sqrt(np.mean(d * d)) / t.std():.2%}"
        if os.path.exists(f"one_{large}_{margin}.fits"):
            b = fits.getdata(f"one_{large}_{margin}.fits", 1)
            common, ia, ib = np.intersect1d(a["PIXEL"], b["PIXEL"], return_indices=True)
            keep = inner(common)
            diff = a["KAPPA_E"][ia][keep] - b["KAPPA_E"][ib][keep]
            ref = b["KAPPA_E"][ib][keep].std()
            bt = truth[common[keep]]
            db = (b["KAPPA_E"][ib][keep] - b["KAPPA_E"][ib][keep].mean()) - (bt - bt.mean())
            line += (f" (one region: {np.sqrt(np.mean(db * db)) / bt.std():.2%}); many - one: rms "
                     f"{np.sqrt(np.mean(diff * diff)) / ref:.2%}, largest {np.abs(diff).max() / ref:.2%} of the map "
                     f"rms, over {keep.sum()} pixels")
        print(line)
PY
