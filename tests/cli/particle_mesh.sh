#!/usr/bin/env bash
# The particle-mesh family through the command line:
#  - `simulate field --family particle-mesh` writes KAPPA, GAMMA1, GAMMA2 and the box's header keys; the cone's
#    convergence is skewed (a cosmic web, not a Gaussian field);
#  - the shear it writes is the forward model of a wider convergence field: on the map's inner half it agrees
#    with the Kaiser-Squires inverse of the written convergence (correlation > 0.98);
#  - `simulate catalogue --nz` on a particle-mesh cone writes a redshift column drawn from the n(z) (its mean
#    within 0.01) and each galaxy's truth from its own source plane (TRUE_KAPPA's rms grows with z);
#  - on HEALPix (a 1 deg cap at nside 1024) the cone equals the flat cone on the same gnomonic grid;
#  - a training set mixing particle-mesh and lognormal maps is identical at 1 and 2 ranks (maps split over the
#    ranks, each rank running the boxes its maps need).
set -uo pipefail
mpiexec=$1
lofimap=$2
work=$(mktemp -d /tmp/lofimap-pm.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$lofimap" -q simulate field --family particle-mesh --npix 128 --pixel 1 --pm-particles 48 --pm-box 150 \
  --z-source 1 --seed 3 -o field.fits --no-png || fail "simulate field"
/usr/bin/python3 - <<'PY' || fail "particle-mesh field"
import numpy as np
from astropy.io import fits
with fits.open("field.fits") as f:
    h = f[0].header
    for key, want in (("LMPMBOX", 150.0), ("LMPMPART", 48), ("LMPMSTEP", 10)):
        assert h[key] == want, (key, h[key])
    k, g1, g2 = (f[name].data.astype(float) for name in ("KAPPA", "GAMMA1", "GAMMA2"))
s = ((k - k.mean()) ** 3).mean() / k.std() ** 3
print(f"kappa rms {k.std():.5f}, skewness {s:.3f}")
assert k.std() > 1e-3 and s > 0.1, "no cosmic web"
# Kaiser-Squires of the written shear on the periodic grid: differs from kappa only near the edges. In the
# image's pixel axes GAMMA2 enters with a minus sign (the same on a periodic Gaussian field gives r = 0.9999).
n = k.shape[0]
l1, l2 = np.meshgrid(np.fft.fftfreq(n), np.fft.fftfreq(n))
l2sq = l1 ** 2 + l2 ** 2
l2sq[0, 0] = 1
ks = np.fft.ifft2(((l1 ** 2 - l2 ** 2) * np.fft.fft2(g1) - 2 * l1 * l2 * np.fft.fft2(g2)) / l2sq).real
inner = slice(n // 4, 3 * n // 4)
a, b = k[inner, inner], ks[inner, inner]
r = np.corrcoef(a.ravel(), b.ravel())[0, 1]
print(f"inner-half correlation of kappa with KS(shear): {r:.4f}")
assert r > 0.98, r
PY
# Tomography: with an n(z) every galaxy draws its redshift and takes the shear of its own source distance.
/usr/bin/python3 -c "
import numpy as np
z = np.linspace(0, 1.5, 31); np.savetxt('nz.txt', np.c_[z, z**2 * np.exp(-(z / 0.4)**1.5)])"
"$lofimap" -q simulate catalogue --family particle-mesh --nz nz.txt --npix 64 --pixel 1 --pm-particles 32 \
  --pm-box 150 --density 30 --seed 6 -o tomo.fits --no-png || fail "tomographic catalogue"
/usr/bin/python3 - <<'PY' || fail "tomographic catalogue"
import numpy as np
from astropy.io import fits
d = fits.open("tomo.fits")[1].data
z, k = d["Z"], d["TRUE_KAPPA"]
t = np.loadtxt("nz.txt")
# The mean of a piecewise-linear n(z), exactly (Simpson on each linear piece).
zz, nn = t[:, 0], t[:, 1]
w = np.diff(zz)
norm = np.sum(w * (nn[:-1] + nn[1:]) / 2)
mean = np.sum(w / 6 * (zz[:-1] * (2 * nn[:-1] + nn[1:]) + zz[1:] * (nn[:-1] + 2 * nn[1:]))) / norm
print(f"{len(z)} galaxies, mean z {z.mean():.4f} (n(z): {mean:.4f}), z in [{z.min():.3f}, {z.max():.3f}]")
assert abs(z.mean() - mean) < 0.01, (z.mean(), mean)
assert z.min() >= 0 and z.max() <= 1.5
rms = [k[(z > lo) & (z <= hi)].std() for lo, hi in ((0, 0.4), (0.4, 0.7), (0.7, 1.5))]
print("TRUE_KAPPA rms in z bins (0, 0.4], (0.4, 0.7], (0.7, 1.5]:", ", ".join(f"{r:.5f}" for r in rms))
assert rms[0] < rms[1] < rms[2], rms
PY
# HEALPix: the cone in a 1 deg cap at nside 1024 equals the flat cone drawn on the same gnomonic grid (half the
# HEALPix pixel, 74^2 about the cap's centre), interpolated to the pixel centres through the flat file's WCS.
"$lofimap" -q simulate field --sphere --nside 1024 --family particle-mesh --halo-cap 30 10 1 --pm-particles 32 \
  --pm-box 150 --z-source 1 --seed 9 -o sphere.fits --no-png || fail "HEALPix cone"
"$lofimap" -q simulate field --family particle-mesh --npix 74 --pixel 1.717743205908703 --center 30 10 \
  --pm-particles 32 --pm-box 150 --z-source 1 --seed 9 -o flat_same.fits --no-png || fail "flat cone"
/usr/bin/python3 - <<'PY' || fail "HEALPix cone against the flat cone"
import healpy as hp
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
maps = hp.read_map("sphere.fits", field=(0, 1, 2))
k, q = maps[0], maps[1]
inside = hp.query_disc(1024, hp.ang2vec(30, 10, lonlat=True), np.radians(1))
assert np.count_nonzero(k) == len(inside), (np.count_nonzero(k), len(inside))
ra, dec = hp.pix2ang(1024, inside, lonlat=True)
with fits.open("flat_same.fits") as f:
    img, w = f["KAPPA"].data.astype(float), WCS(f["KAPPA"].header)
x, y = w.all_world2pix(ra, dec, 0)
x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
tx, ty = x - x0, y - y0
v = (1 - ty) * ((1 - tx) * img[y0, x0] + tx * img[y0, x0 + 1]) + ty * ((1 - tx) * img[y0 + 1, x0] + tx * img[y0 + 1, x0 + 1])
d = np.abs(k[inside] - v).max()
print(f"HEALPix cap: {len(inside)} pixels, kappa rms {k[inside].std():.5f}, largest difference from the flat cone {d:.1e}")
assert d < 1e-6 * max(1.0, k[inside].std() * 100), d
assert np.abs(q[inside]).std() > 0.1 * k[inside].std(), "no shear"
PY
run_set() {
  "$@" simulate training-set --family particle-mesh,lognormal --lambda 0.02 --maps 6 --npix 48 --pixel 1 \
    --pm-particles 32 --pm-box 120 --cones-per-box 2 --z-source-range 0.5 1.0 --seed 5 -o "$out" >"$out.log" 2>&1 ||
    fail "training set ($out)"
}
out=one.h5 run_set "$lofimap"
out=two.h5 run_set "$mpiexec" -n 2 --allow-run-as-root --oversubscribe "$lofimap"
# Maps 0, 2, 4 are the particle-mesh ones: with --cones-per-box 2 they take two boxes (counted among the
# particle-mesh maps, not among all maps, which would give three).
boxes=$(grep -c "particle-mesh box [0-9]" one.h5.log)
[ "$boxes" -eq 2 ] || fail "3 particle-mesh maps, --cones-per-box 2: $boxes boxes, expected 2"
grep -q "2 particle-mesh box(es) simulated" one.h5.log || fail "the set's log does not count the boxes simulated"
/usr/bin/python3 - <<'PY' || fail "1 vs 2 ranks"
import h5py, numpy as np
with h5py.File("one.h5") as a, h5py.File("two.h5") as b:
    names = [n for n in a if isinstance(a[n], h5py.Dataset)]
    assert names, list(a)
    for n in names:
        x, y = a[n][()], b[n][()]
        if x.dtype.kind == "f":
            assert np.allclose(x, y, rtol=1e-5, atol=1e-7), n
        else:
            assert (x == y).all(), n
    print("training sets identical at 1 and 2 ranks:", ", ".join(names))
PY
echo "particle-mesh CLI checks passed"
