#!/usr/bin/env bash
# Noise and significance maps of `lofimap ks --regions --noise-realisations K` (ellipticities rotated at random,
# keyed by each galaxy, so the maps do not depend on the number of ranks):
#  - a pure-noise catalogue gives an S/N map of mean 0 and unit variance (within 5%, K = 200: the t-distribution
#    of a standard deviation from K realisations has variance (K - 1)/(K - 3) = 1.01) without structure (no
#    correlation with the galaxy counts);
#  - a simulated cluster (one Gaussian halo) is detected where it is, with the S/N expected from its truth map
#    smoothed as the estimator smooths, divided by the noise map (within 2, i.e. two standard deviations);
#  - the noise and S/N columns are identical at 1 and 2 ranks (with 5 realisations: identity needs no precision).
set -uo pipefail
mpiexec=$1
lofimap=$2
make_catalogue=$3
work=$(mktemp -d /tmp/lofimap-noise-maps.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$make_catalogue" -o noise.fits --ra 30 --dec 40 --npix 240 --pixel 1 --density 4 --haloes 0 >/dev/null || exit 1
"$make_catalogue" -o cluster.fits --truth truth.fits --ra 30 --dec 40 --npix 240 --pixel 1 --density 10 \
  --haloes 1 --seed 3 >/dev/null || exit 1
"$lofimap" -q --threads 2 ks -i noise.fits --preset cosmos --regions 16 --nside 512 --pixel 4 \
  --noise-realisations 200 -o noise_map.fits --no-png || exit 1
"$lofimap" -q --threads 2 ks -i cluster.fits --preset cosmos --regions 16 --nside 512 --pixel 2 --smooth 3 \
  --noise-realisations 50 -o cluster_map.fits --no-png || exit 1
# Rank independence needs no precise noise estimate: 5 realisations, each region's own KS at every scale (the
# realisations never use the spherical large scales; the rank tests of region maps cover those).
for n in 1 2; do
  "$mpiexec" --allow-run-as-root --oversubscribe -np $n "$lofimap" -q --threads 1 ks -i cluster.fits --preset cosmos \
    --regions 16 --nside 512 --pixel 2 --smooth 3 --large-scales box --noise-realisations 5 -o cluster_$n.fits \
    --no-png || exit 1
done
/usr/bin/python3 - <<'PY'
import sys
import healpy as hp
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from scipy.ndimage import gaussian_filter, map_coordinates
ok = True
d = fits.getdata("noise_map.fits", 1)
snr = d["SNR"]
r_counts = np.corrcoef(snr, d["NGAL"])[0, 1]
print(f"pure noise: {len(d)} pixels, S/N mean {snr.mean():.3f}, variance {snr.var():.3f}, "
      f"correlation with the counts {r_counts:.3f}")
ok &= abs(snr.mean()) < 0.05 and 0.95 < snr.var() < 1.05 and abs(r_counts) < 0.1

one, two = fits.getdata("cluster_1.fits", 1), fits.getdata("cluster_2.fits", 1)
same = all(np.array_equal(one[c], two[c]) for c in ("PIXEL", "NOISE_STD", "SNR"))
print(f"noise and S/N maps identical at 1 and 2 ranks: {same}")
ok &= same
one = fits.getdata("cluster_map.fits", 1)
hdu = fits.open("truth.fits")[1]
truth, wcs = hdu.data.astype(float), WCS(hdu.header)
iy, ix = np.unravel_index(np.argmax(truth), truth.shape)
ra, dec = wcs.all_pix2world(ix, iy, 0)
pixel = hp.ang2pix(512, np.radians(90 - dec), np.radians(ra), nest=True)
i = np.searchsorted(one["PIXEL"], pixel)
# Expected: the truth (1' pixels) smoothed by the map's 3' Gaussian and its 2' binning, read at the centre of the
# output pixel, over the measured noise.
theta, phi = hp.pix2ang(512, pixel, nest=True)
px, py = wcs.all_world2pix(np.degrees(phi), 90 - np.degrees(theta), 0)
smooth = gaussian_filter(truth, np.hypot(3.0, 2.0 / np.sqrt(12)))
expected = map_coordinates(smooth, [[py], [px]], order=1)[0] / one["NOISE_STD"][i]
print(f"cluster at RA {ra:.3f} Dec {dec:.3f}: S/N {one['SNR'][i]:.2f}, expected {expected:.2f}")
ok &= one["PIXEL"][i] == pixel and one["SNR"][i] > 5 and abs(one["SNR"][i] - expected) < 2
sys.exit(0 if ok else 1)
PY
