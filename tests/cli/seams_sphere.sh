#!/usr/bin/env bash
# Seams of region maps on a sky simulated on the sphere (not a flat field, whose shear would be exact only on
# one tangent plane): a noise-free halo-model sky (HEALPix nside 512, 2.2 million galaxies over a 3 deg disc
# centred on a region of nside 4) mapped by `ks --regions 32` (1.8 deg regions) at 2 ranks and by one region of
# nside 4 holding the whole disc, 8' smoothing. Within 2 deg of the centre (12 of the small regions) the
# largest difference must stay below 1% of the map's rms (measured 0.33%; 0.36% with a sky at nside 1024 and
# twice the galaxies, which took twice as long), and with each region's own KS at every scale
# (--large-scales box) it must not (measured 49%): the check can fail.
set -uo pipefail
mpiexec=$1
lofimap=$2
work=$(mktemp -d /tmp/lofimap-seams.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
centre=(202.5 -9.594068226860458)  # the centre of NESTED pixel 100 at nside 4
"$lofimap" --threads 2 simulate catalogue --sphere --nside 512 --family halo-model --density 22 --sigma-e 0 \
  --disc "${centre[@]}" 3 --seed 5 -o sky.fits --no-png >log.txt 2>&1 || { cat log.txt; echo "FAIL: simulate"; exit 1; }
common=(ks -i sky.fits --nside 1024 --pixel 1 --smooth 8 --margin 1 --no-png)
"$mpiexec" --allow-run-as-root --oversubscribe -np 2 "$lofimap" --threads 1 "${common[@]}" --regions 32 \
  -o many.fits >>log.txt 2>&1 || { cat log.txt; echo "FAIL: many regions"; exit 1; }
"$mpiexec" --allow-run-as-root --oversubscribe -np 2 "$lofimap" --threads 1 "${common[@]}" --regions 32 \
  --large-scales box -o many_box.fits >>log.txt 2>&1 || { cat log.txt; echo "FAIL: many regions, box"; exit 1; }
"$lofimap" --threads 2 "${common[@]}" --regions 4 -o one.fits >>log.txt 2>&1 || { cat log.txt; echo "FAIL: one region"; exit 1; }
"$lofimap" --threads 2 "${common[@]}" --regions 4 --large-scales box -o one_box.fits >>log.txt 2>&1 ||
  { cat log.txt; echo "FAIL: one region, box"; exit 1; }
/usr/bin/python3 - "${centre[@]}" <<'PY'
import sys
import healpy as hp
import numpy as np
from astropy.io import fits
centre = hp.ang2vec(float(sys.argv[1]), float(sys.argv[2]), lonlat=True)
def compare(a_file, b_file):
    a, b = fits.getdata(a_file, 1), fits.getdata(b_file, 1)
    common, ia, ib = np.intersect1d(a["PIXEL"], b["PIXEL"], return_indices=True)
    inner = np.degrees(np.arccos(np.clip(centre @ np.array(hp.pix2vec(1024, common, nest=True)), -1, 1))) < 2
    d = a["KAPPA_E"][ia][inner] - b["KAPPA_E"][ib][inner]
    ref = b["KAPPA_E"][ib][inner].std()
    regions = len(np.unique(common[inner] >> 10))  # nside 1024 -> 32: 5 levels of 2 bits
    return np.abs(d).max() / ref, np.sqrt(np.mean(d * d)) / ref, inner.sum(), regions
largest, rms, pixels, regions = compare("many.fits", "one.fits")
largest_box, rms_box, _, _ = compare("many_box.fits", "one_box.fits")
print(f"many - one within 2 deg ({pixels} pixels, {regions} regions): largest {largest:.2%}, rms {rms:.2%} of the "
      f"map rms; with --large-scales box: largest {largest_box:.2%}, rms {rms_box:.2%}")
ok = pixels > 3000 and regions >= 8 and largest < 0.01 and largest_box > 3 * largest
sys.exit(0 if ok else 1)
PY
