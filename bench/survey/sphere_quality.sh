#!/usr/bin/env bash
# LoFi on the sphere against spherical Kaiser-Squires at its best smoothing and the spherical Wiener filter, on
# a simulated partial sky: two skies of one family (HEALPix nside 2048 truth, z_s 1) observed over a 13 deg
# disc (531 deg^2) with 60 bright-star holes of 4-12' radius, 10 galaxies per arcmin^2, sigma_e 0.26.
# Families: lognormal (lambda 0.02), halo-model (haloes above 3e12 Msun drawn over the disc widened by 1 deg,
# pasted as truncated NFW profiles, on a Gaussian background carrying the rest of the halofit power) or
# lognormal-clusters (haloes above 1e14 Msun on a lognormal background, lambda 0.02).
# Sky A picks the KS smoothing; sky B is scored. LoFi: `lofimap map --regions 16 --nside 2048 --pixel 1`
# with the shipped model, averaged to nside 1024; KS and Wiener: `lofimap ks --sphere --nside 1024` (the
# Wiener filter with the sky's own C_ell). Truth: the simulated kappa averaged to nside 1024. Scored on the
# pixels observed by every method and at least 1 deg inside the disc's edge: RMSE and Pearson r.
# Usage: bench/survey/sphere_quality.sh [RANKS] [FAMILY] [WORK_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ranks=${1:-2}
family=${2:-lognormal}
case $family in
  lognormal) sky_options=(--lambda 0.02) ;;
  halo-model) sky_options=(--family halo-model) ;;
  lognormal-clusters) sky_options=(--family lognormal-clusters --lambda 0.02) ;;
  *) echo "unknown family $family (lognormal, halo-model, lognormal-clusters)" >&2; exit 2 ;;
esac
work=${3:-$root/bench/work/sphere_quality$([ "$family" = lognormal ] || echo "_$family")}
mkdir -p "$work"
cd "$work"
(cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release -j"$(nproc)" >/dev/null)
bin=$root/build/release/bin
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ra=40 dec=-35 radius=13
/usr/bin/python3 - "$ra" "$dec" "$radius" <<'PY'
import sys
import healpy as hp
import numpy as np
from astropy.io import fits
ra, dec, radius = map(float, sys.argv[1:4])
nside = 2048
mask = np.zeros(hp.nside2npix(nside), dtype=np.float32)
centre = hp.ang2vec(ra, dec, lonlat=True)
mask[hp.query_disc(nside, centre, np.radians(radius))] = 1
rng = np.random.default_rng(17)
inside = hp.query_disc(nside, centre, np.radians(radius - 0.5))
for p in rng.choice(inside, 60, replace=False):  # bright-star holes inside the disc
    mask[hp.query_disc(nside, hp.pix2vec(nside, p), np.radians(rng.uniform(4, 12) / 60))] = 0
fits.BinTableHDU.from_columns([fits.Column("MASK", "E", array=mask)], header=fits.Header(
    [("PIXTYPE", "HEALPIX"), ("ORDERING", "RING"), ("NSIDE", nside), ("INDXSCHM", "IMPLICIT")])).writeto(
    "mask.fits", overwrite=True)
print(f"footprint: {mask.sum() * hp.nside2pixarea(nside, degrees=True):.1f} deg^2")
PY
"$bin/lofimap" simulate cl -o cl.txt --overwrite --lmin 2 --lmax 20000 >/dev/null
for sky in A B; do
  seed=$([ $sky = A ] && echo 21 || echo 22)
  if [ ! -s sky_$sky.fits ]; then
    /usr/bin/time -f "simulate $sky: wall %e s, peak %M kB" "$bin/lofimap" --threads "$(nproc)" simulate catalogue \
      --sphere --nside 2048 "${sky_options[@]}" --density 10 \
      --sigma-e 0.26 --disc $ra $dec $radius --mask-healpix mask.fits --seed $seed -o sky_$sky.fits \
      --truth truth_$sky.fits --no-png --overwrite 2>&1 | tail -3
  fi
  for s in 2 3 4 6 8; do
    "$bin/lofimap" --threads "$(nproc)" ks -i sky_$sky.fits --sphere --nside 1024 --smooth $s \
      -o ks_${sky}_$s.fits --no-png --overwrite 2>&1 | grep -E "^timings" | sed "s/^/ks $sky $s': /"
  done
done
/usr/bin/time -f "Wiener: wall %e s" "$bin/lofimap" --threads "$(nproc)" ks -i sky_B.fits --sphere --nside 1024 \
  --wiener cl.txt -o wiener_B.fits --no-png --overwrite 2>&1 | grep -E "kappa_Wiener|^timings|wall"
/usr/bin/time -f "LoFi: wall %e s" mpirun -n "$ranks" --oversubscribe "$bin/lofimap" --threads 1 map \
  -i sky_B.fits --regions 16 --nside 2048 --pixel 1 -o lofi_B.fits --no-png --overwrite 2>&1 |
  grep -E "regions:|^timings|peak|wall"
/usr/bin/python3 - "$ra" "$dec" "$radius" <<'PY'
import sys
import healpy as hp
import numpy as np
from astropy.io import fits
ra, dec, radius = map(float, sys.argv[1:4])
n = 1024
npix = hp.nside2npix(n)
def truth(sky):
    return hp.ud_grade(hp.read_map(f"truth_{sky}.fits"), n)  # the mean of the four children
def sphere(path, column):
    m = fits.getdata(path, 1)[column].astype(float).ravel()
    return np.where(m < -1e30, np.nan, m)
inner = np.zeros(npix, bool)
inner[hp.query_disc(n, hp.ang2vec(ra, dec, lonlat=True), np.radians(radius - 1))] = True
def score(estimate, t, keep):
    e, t = estimate[keep] - np.mean(estimate[keep]), t[keep] - np.mean(t[keep])
    return np.sqrt(np.mean((e - t) ** 2)), np.corrcoef(e, t)[0, 1]
smooths = (2, 3, 4, 6, 8)
tA = truth("A")
ksA = {s: sphere(f"ks_A_{s}.fits", "KAPPA_E") for s in smooths}
keepA = inner & np.all([np.isfinite(ksA[s]) for s in smooths], axis=0)
best = min(smooths, key=lambda s: score(ksA[s], tA, keepA)[0])
tB = truth("B")
lofi = np.full(hp.nside2npix(2048), np.nan)
d = fits.getdata("lofi_B.fits", 1)
lofi[hp.nest2ring(2048, d["PIXEL"])] = d["KAPPA"]
lofi = hp.ud_grade(np.where(np.isfinite(lofi), lofi, hp.UNSEEN), n)  # UNSEEN where a child is missing
lofi = np.where(lofi < -1e30, np.nan, lofi)
wiener = sphere("wiener_B.fits", "KAPPA_WIENER")
ks = sphere(f"ks_B_{best}.fits", "KAPPA_E")
keep = inner & np.isfinite(lofi) & np.isfinite(wiener) & np.isfinite(ks)
print(f"scored: {keep.sum()} pixels of nside {n} ({keep.sum() * hp.nside2pixarea(n, degrees=True):.0f} deg^2); "
      f"KS smoothing chosen on sky A: {best}'")
for name, m in ((f"KS {best}'", ks), ("Wiener", wiener), ("LoFi", lofi)):
    rmse, r = score(m, tB, keep)
    print(f"{name:8s} RMSE {rmse:.5f}  r {r:.3f}")
PY
