#!/usr/bin/env bash
# What the survey products must show (issue "What a survey scientist expects"), on this machine:
#  1. tomography: the lenspack simulated catalogue (../shared/data/sim_galcat_truth.fits: per-galaxy kappa and
#     redshift, no shape noise) in three bins of z_cgal; per bin, NGAL against the rows in range and the
#     Pearson r of the KS map with that bin's own truth map (both smoothed 1.5') and with the other bins'
#     truth (a bin must match its own best);
#  2. peaks against the halo list of a simulated HEALPix sky (lognormal-clusters, 5-degree disc, nside 2048,
#     20 galaxies/arcmin^2, sigma_e 0.26): flat KS at 1', peaks of the 2'-smoothed S/N above 4; completeness
#     for haloes above 10^14.5 Msun (a peak within 3') and purity (a halo above 10^14.5 or 10^14 within 3');
#  3. profiles of simulated NFW clusters (1e14.5 and 1e15 Msun) against Wright & Brainerd's analytic profile;
#  4. null test: PTE over 100 pure-noise skies (Kolmogorov-Smirnov p against uniform) and over 20 cosmic-shear
#     skies with e1 flipped (fraction failing at 1%);
#  5. COSMOS (../shared/data/cosmos_shear.fits): KS, Wiener and LoFi maps with their pictures, its peaks and
#     its B-mode null test.
# Usage: bench/survey_products/run.sh [WORK_DIR]   (default bench/work/survey_products)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$root/bench/work/survey_products}
data=$root/../shared/data
mkdir -p "$work"
cd "$work"
(cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release -j"$(nproc)" >/dev/null)
L=$root/build/release/bin/lofimap
export PYTHONPATH=$root/tests/crosscheck
uptime

echo "== 1. tomography (sim_galcat_truth.fits, bins of z_cgal: 0-0.6, 0.6-1.0, 1.0-5)"
patch="--center 3.5 30.5 --npix 72 --pixel 1"
$L -q ks -i "$data/sim_galcat_truth.fits" --preset healpix-sim $patch --bins z_cgal 0 0.6 1.0 5 -o tomo.fits \
  --no-png --overwrite
/usr/bin/python3 - "$data/sim_galcat_truth.fits" <<'PY'
import sys
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from scipy.ndimage import gaussian_filter
cat = fits.getdata(sys.argv[1])
f = fits.open("tomo.fits")
w = WCS(f["KAPPA_E"].header)
ny, nx = f["KAPPA_E"].data.shape
x, y = w.all_world2pix(cat["ra"], cat["dec"], 0)
ix, iy = np.floor(x + 0.5).astype(int), np.floor(y + 0.5).astype(int)
inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
z = cat["z_cgal"].astype(float)
edges = [0, 0.6, 1.0, 5]
truth, ks = [], []
for b in range(3):
    sel = inside & (z > edges[b]) & (z <= edges[b + 1])
    n = np.zeros((ny, nx)); k = np.zeros((ny, nx))
    np.add.at(n, (iy[sel], ix[sel]), 1); np.add.at(k, (iy[sel], ix[sel]), cat["kappa"][sel])
    mean = np.where(n > 0, k / np.maximum(n, 1), 0)
    truth.append(gaussian_filter(mean, 1.5))
    e = f[f"KAPPA_E_BIN{b + 1}"].data
    ks.append(gaussian_filter(np.nan_to_num(e), 1.5))
    print(f"bin {b + 1}: NGAL {int(f[f'NGAL_BIN{b + 1}'].data.sum())}, rows in range {int(((z > edges[b]) & (z <= edges[b + 1])).sum())}")
m = np.isfinite(f["KAPPA_E"].data) & (f["MASK"].data > 0)
edge = np.zeros_like(m); edge[6:-6, 6:-6] = True
m &= edge
for b in range(3):
    r = [np.corrcoef(ks[b][m], truth[c][m])[0, 1] for c in range(3)]
    print(f"bin {b + 1} KS map: r with the truth of bins 1, 2, 3 = {r[0]:.3f}, {r[1]:.3f}, {r[2]:.3f}")
PY

echo "== 2. peaks against haloes (lognormal-clusters sky, 5-degree disc)"
if [ ! -s sky.fits ]; then
  /usr/bin/time -f "sky: %e s, %M KB" $L -q simulate catalogue --sphere --nside 2048 --family lognormal-clusters \
    --lambda 1 --disc 30 -20 5 --halo-list haloes.fits --density 20 --sigma-e 0.26 --seed 3 -o sky.fits --no-png \
    --overwrite
fi
$L -q ks -i sky.fits --center 30 -20 --npix 600 --pixel 1 -o sky_ks.fits --no-png --overwrite
$L -q peaks --map sky_ks.fits --smooth 2 --threshold 4 -o sky_peaks.fits --overwrite
/usr/bin/python3 - <<'PY'
import numpy as np
from astropy.io import fits
h = fits.getdata("haloes.fits"); p = fits.getdata("sky_peaks.fits")
def sep(ra1, de1, ra2, de2):
    r1, d1, r2, d2 = map(np.radians, (ra1, de1, ra2, de2))
    return np.degrees(np.arccos(np.clip(np.sin(d1) * np.sin(d2) + np.cos(d1) * np.cos(d2) * np.cos(r1 - r2), -1, 1))) * 60
# Haloes well inside the disc (4 degrees from its centre), so that their peaks are not cut by the edge.
centre = sep(h["RA"], h["DEC"], 30, -20) < 4 * 60
pin = sep(p["RA"], p["DEC"], 30, -20) < 4 * 60
d = sep(h["RA"][:, None], h["DEC"][:, None], p["RA"][None, :], p["DEC"][None, :])
for lo in (10**14.5, 1e15):
    big = centre & (h["M200M"] > lo)
    for zmax in (0.5, 1.0):
        sel = big & (h["Z"] < zmax)
        found = (d[sel] < 3).any(axis=1) if sel.any() else np.array([])
        print(f"completeness M200m > {lo:.2g}, z < {zmax}: {found.sum()} of {sel.sum()} = {found.mean() if sel.any() else float('nan'):.2f}")
for lo in (10**14.5, 1e14):
    matched = (d[centre & (h["M200M"] > lo)] < 3).any(axis=0)
    print(f"purity (a halo above {lo:.2g} within 3'): {matched[pin].sum()} of {pin.sum()} peaks = {matched[pin].mean():.2f}")
PY

echo "== 3. NFW profiles against Wright & Brainerd, and against the simulation's own shear"
printf "10 0\n100000 0\n" > zero_cl.txt
for m in 3.16e14 1e15; do
  $L -q simulate catalogue --cl-file zero_cl.txt --npix 512 --pixel 0.5 --center 30 -20 --nfw $m,4,0.3,30,-20 \
    --density 30 --sigma-e 0.26 --z-source 1 -o nfw_$m.fits --no-png --overwrite
  $L -q profile -i nfw_$m.fits --center 30 -20 --radii 1 60 --bins 10 -o profile_$m.fits --overwrite
  # The noise-free shear the catalogue was drawn from (its TRUE_GAMMA columns), through the same profile.
  $L -q profile -i nfw_$m.fits --column e1=TRUE_GAMMA1 --column e2=TRUE_GAMMA2 --center 30 -20 --radii 1 60 \
    --bins 10 -o profile_true_$m.fits --overwrite --no-png
  /usr/bin/python3 - $m <<'PY'
import sys
import numpy as np
from astropy.io import fits
from nfw_shear import gamma_t
m = float(sys.argv[1])
t, true = fits.getdata(f"profile_{sys.argv[1]}.fits"), fits.getdata(f"profile_true_{sys.argv[1]}.fits")
model = gamma_t(t["R_MEAN"], m, 4, 0.3, 1.0)
pt, px = (t["GAMMA_T"] - model) / t["SIGMA"], t["GAMMA_X"] / t["SIGMA"]
inner = t["R_MEAN"] < 20
print(f"M200 {m:.3g}: chi2 against the analytic profile {np.sum(pt**2):.1f} (gamma_t), cross shear {np.sum(px**2):.1f}, for {len(t)} bins; "
      f"against the simulation's own shear {np.sum(((t['GAMMA_T'] - true['GAMMA_T']) / t['SIGMA'])**2):.1f}")
print("  r [arcmin]   " + " ".join(f"{r:6.1f}" for r in t["R_MEAN"]))
print("  measured / analytic   " + " ".join(f"{v:6.3f}" for v in t["GAMMA_T"] / model))
print("  simulation's shear / analytic " + " ".join(f"{v:6.3f}" for v in true["GAMMA_T"] / model))
PY
done

echo "== 4. null-test PTE: 100 pure-noise skies, 20 cosmic-shear skies with e1 flipped"
: > pte_noise.txt
for s in $(seq 1 100); do
  $L -q simulate catalogue --cl-file zero_cl.txt --npix 64 --pixel 1 --center 30 -20 --density 10 --sigma-e 0.26 \
    --seed $s -o noise_sky.fits --no-png --overwrite
  $L -q null-test -i noise_sky.fits --pixel 1 --realisations 100 --seed $((s + 1000)) -o null.fits --overwrite
  /usr/bin/python3 -c "from astropy.io import fits; print(fits.getheader('null.fits', 1)['LMPTE'])" >> pte_noise.txt
done
: > pte_flip.txt
for s in $(seq 1 20); do
  $L -q simulate catalogue --npix 128 --pixel 1 --center 30 -20 --density 20 --sigma-e 0.26 --seed $s \
    -o field_sky.fits --no-png --overwrite
  $L -q null-test -i field_sky.fits --pixel 1 --realisations 100 --flip-e1 -o null.fits --overwrite
  /usr/bin/python3 -c "from astropy.io import fits; print(fits.getheader('null.fits', 1)['LMPTE'])" >> pte_flip.txt
done
/usr/bin/python3 - <<'PY'
import numpy as np
from scipy import stats
a, b = np.loadtxt("pte_noise.txt"), np.loadtxt("pte_flip.txt")
ks = stats.kstest(a, "uniform")
print(f"pure noise: {len(a)} skies, PTE mean {a.mean():.3f}, fraction < 0.05 {np.mean(a < 0.05):.2f}, KS statistic {ks.statistic:.3f}, p = {ks.pvalue:.3f}")
print(f"e1 flipped: {len(b)} skies, fraction with PTE < 0.01: {np.mean(b < 0.01):.2f} (median PTE {np.median(b):.4f})")
PY

echo "== 5. COSMOS: KS, Wiener, LoFi, peaks, null test"
cos=$data/cosmos_shear.fits
/usr/bin/time -f "ks: %e s" $L -q ks -i "$cos" --preset cosmos --pixel 0.5 --smooth 1.5 -o cosmos_ks.fits --overwrite
/usr/bin/time -f "ks --wiener: %e s" $L -q ks -i "$cos" --preset cosmos --pixel 0.5 --wiener "$data/theory_cl_ktng.txt" \
  -o cosmos_wiener.fits --overwrite
/usr/bin/time -f "map --b-mode: %e s" $L -q map -i "$cos" --preset cosmos --pixel 0.5 --b-mode -o cosmos_lofi.fits --overwrite
$L peaks --map cosmos_ks.fits --threshold 3 -o cosmos_peaks.fits --overwrite 2>&1 | grep -E "peaks at|noise:"
$L null-test -i "$cos" --preset cosmos --pixel 0.5 --realisations 100 -o cosmos_null.fits --overwrite 2>&1 | tail -11
