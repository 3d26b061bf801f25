#!/usr/bin/env bash
# Survey products on simulated catalogues:
#  - tomography: a catalogue with a redshift column (Z drawn uniformly) mapped with --bins; each bin's NGAL
#    sums to the rows in its range, a bin made with --select equals the same bin of --bins, 1 and 2 ranks give
#    identical files; maps are NaN exactly outside MASK, and MASK covers every pixel with galaxies;
#  - the Wiener filter on a non-square patch; the HEALPix table's EXTNAME;
#  - profile: the tangential shear of a simulated NFW cluster against Wright & Brainerd's analytic profile
#    (chi^2 within its expectation), the cross shear consistent with zero;
#  - peaks: the KS map's highest peak at the cluster;
#  - null-test: a cosmic-shear catalogue (E-modes only) passes (PTE > 0.01), the same with e1 flipped fails
#    (PTE = 1/(K+1) < 0.01: its E-modes turn partly into B);
#  - aperture mass: of the noise-free shear against the analytic NFW value, its S/N peak at the cluster, the
#    cross component consistent with noise;
#  - peaks on HEALPix maps: a spherical KS map (RING) and a region map (NESTED, with its picture);
#  - --wiener limber: each bin filtered with the Limber prior of its own n(z);
#  - map --bins --b-mode: every bin's E and B maps, finite exactly where MASK is 1.
set -uo pipefail
mpiexec=$1
lofimap=$2
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/lofimap-survey-products.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fail() { echo "FAIL: $*"; exit 1; }
printf "10 0\n100000 0\n" > zero_cl.txt
# A cluster alone (zero C_ell background): M200 = 1e15 Msun, c = 4, z_l = 0.3, sources at z = 1.
"$lofimap" -q simulate catalogue --cl-file zero_cl.txt --npix 256 --pixel 0.5 --center 30 -20 \
  --nfw 1e15,4,0.3,30,-20 --density 30 --sigma-e 0.26 --z-source 1 -o cluster.fits --no-png || fail simulate
# Cosmic shear: a Gaussian field of the default Limber C_ell (z_s = 1), E-modes only.
"$lofimap" -q simulate catalogue --npix 128 --pixel 1 --center 30 -20 --density 20 --sigma-e 0.26 --seed 5 \
  -o field.fits --no-png || fail simulate field
# A redshift column Z in (0, 2) (float32) on the cluster catalogue.
/usr/bin/python3 - <<'PY' || fail "adding Z"
import numpy as np
from astropy.io import fits
from astropy.table import Table
t = Table.read("cluster.fits")
t["Z"] = np.random.default_rng(2).uniform(0, 2, len(t)).astype(np.float32)
t.write("cluster_z.fits", overwrite=True)
PY
patch="--center 30 -20 --npix 136 --pixel 1"
"$lofimap" -q ks -i cluster_z.fits $patch --bins Z 0 0.4 1 2 -o bins.fits --no-png || fail "ks --bins"
"$lofimap" -q ks -i cluster_z.fits $patch --select 'Z > 0.4 && Z <= 1' -o bin2.fits --no-png || fail "ks --select"
"$mpiexec" --allow-run-as-root --oversubscribe -np 2 "$lofimap" -q --threads 1 ks -i cluster_z.fits $patch \
  --bins Z 0 0.4 1 2 -o bins_2ranks.fits --no-png || fail "ks --bins at 2 ranks"
printf "10 1e-9\n100000 1e-9\n" > flat_cl.txt
"$lofimap" -q ks -i cluster_z.fits --center 30 -20 --size 1.2 --pixel 1 --wiener flat_cl.txt -o wiener.fits \
  --no-png || fail "Wiener on a patch"
"$lofimap" -q ks -i cluster_z.fits --pixel 1 --select 'RA > 29.9' --wiener flat_cl.txt -o wiener_rect.fits \
  --no-png || fail "Wiener on a non-square patch"
"$lofimap" -q ks -i cluster_z.fits --sphere --nside 256 --partial -o sphere.fits --no-png || fail "ks --sphere"
/usr/bin/python3 - <<'PY' || fail "tomography checks"
import numpy as np
from astropy.io import fits
z = fits.getdata("cluster_z.fits")["Z"].astype(float)
a, b, two = fits.open("bins.fits"), fits.open("bin2.fits"), fits.open("bins_2ranks.fits")
names = [h.name for h in a]
per_set = ("KAPPA_E", "KAPPA_B", "NOISE_STD", "SNR", "WEIGHT", "NGAL")
assert names[1:] == list(per_set) + ["MASK"] + [f"{q}_BIN{i}" for i in (1, 2, 3) for q in per_set], names
edges = [0, 0.4, 1, 2]
for i in range(3):
    rows = int(((z > edges[i]) & (z <= edges[i + 1])).sum())
    ngal = int(a[f"NGAL_BIN{i + 1}"].data.sum())
    assert ngal == rows, (i, ngal, rows)
    assert a[f"KAPPA_E_BIN{i + 1}"].header["LMNGAL"] == rows
assert a["NGAL"].data.sum() == len(z)
assert np.array_equal(a["NGAL_BIN2"].data, b["NGAL"].data)
# The bin's maps are NaN outside the footprint of all bins, the --select map outside its own (smaller) one.
x, y = a["KAPPA_E_BIN2"].data, b["KAPPA_E"].data
both = np.isfinite(x) & np.isfinite(y)
assert both.sum() > 0.9 * np.isfinite(y).sum() and np.array_equal(x[both], y[both])
for h1, h2 in zip(a[1:], two[1:]):
    assert h1.name == h2.name and np.array_equal(h1.data, h2.data, equal_nan=True), h1.name
mask = a["MASK"].data
assert np.array_equal(np.isnan(a["KAPPA_E"].data), mask == 0) and np.all(mask[a["NGAL"].data > 0] == 1)
w = fits.open("wiener_rect.fits")["KAPPA_WIENER"].data
assert w.shape[0] != w.shape[1] and np.isfinite(w).sum() > 0, w.shape
assert fits.open("sphere.fits")[1].header["EXTNAME"] == "MAPS"
print("tomography, masks, Wiener and EXTNAME ok")
PY
"$lofimap" -q profile -i cluster.fits --center 30 -20 --radii 1 40 --bins 8 -o profile.fits || fail profile
test -s profile_profile.png || fail "no profile PNG"
PYTHONPATH="$here/crosscheck" /usr/bin/python3 - <<'PY' || fail "profile against the analytic NFW"
import numpy as np
from astropy.io import fits
from nfw_shear import gamma_t
t = fits.getdata("profile.fits", "PROFILE")
model = gamma_t(t["R_MEAN"], 1e15, 4, 0.3, 1.0)
chi2_t = float(np.sum(((t["GAMMA_T"] - model) / t["SIGMA"]) ** 2))
chi2_x = float(np.sum((t["GAMMA_X"] / t["SIGMA"]) ** 2))
n = len(t)
print(f"profile: chi2 gamma_t {chi2_t:.1f}, gamma_x {chi2_x:.1f} for {n} bins")
# chi^2 with 8 degrees of freedom exceeds 20.1 with probability 1%.
assert chi2_t < 20.1 and chi2_x < 20.1
assert np.all(t["GAMMA_T"][:3] > 3 * t["SIGMA"][:3])
PY
"$lofimap" -q ks -i cluster.fits $patch -o cluster_ks.fits --no-png || fail "ks cluster"
"$lofimap" -q peaks --map cluster_ks.fits --smooth 2 --threshold 4 -o peaks.fits || fail peaks
/usr/bin/python3 - <<'PY' || fail "peak at the cluster"
import numpy as np
from astropy.io import fits
p = fits.getdata("peaks.fits", "PEAKS")
assert len(p) >= 1
d = np.hypot((p["RA"][0] - 30) * np.cos(np.radians(20)), p["DEC"][0] + 20) * 60
print(f"highest peak S/N {p['SNR'][0]:.1f} at {d:.2f} arcmin from the cluster; {len(p)} peaks above 4")
assert d < 2 and p["SNR"][0] > 6
PY
# Aperture mass (Schneider et al. 1998 filter, 8'): of the catalogue's noise-free shear against the analytic NFW
# value at the centre; the cross component of the noisy catalogue is noise (S/N of unit spread).
"$lofimap" -q ks -i cluster.fits --center 30 -20 --npix 260 --pixel 0.5 --aperture-mass 8 -o map.fits --no-png ||
  fail "--aperture-mass"
"$lofimap" -q ks -i cluster.fits --column e1=TRUE_GAMMA1 --column e2=TRUE_GAMMA2 --center 30 -20 --npix 260 \
  --pixel 0.5 --aperture-mass 8 -o map_true.fits --no-png || fail "--aperture-mass on the true shear"
PYTHONPATH="$here/crosscheck" /usr/bin/python3 - <<'PY' || fail "aperture mass"
import numpy as np
from astropy.io import fits
from nfw_shear import gamma_t
a, t = fits.open("map.fits"), fits.open("map_true.fits")
r = np.linspace(1e-4, 8, 8000)
q = 6 / (np.pi * 64) * (r / 8) ** 2 * (1 - (r / 8) ** 2)
analytic = np.trapz(2 * np.pi * r * q * gamma_t(r, 1e15, 4, 0.3, 1.0), r)
centre = t["MAP"].data[129:131, 129:131].max()  # the halo sits on the corner of the 4 central pixels
snr = a["MAP_SNR"].data
iy, ix = np.unravel_index(np.nanargmax(snr), snr.shape)
e = 16
x = (a["MAP_X"].data / a["MAP_NOISE"].data)[e:-e, e:-e]
print(f"M_ap at the cluster {centre:.5f}, analytic {analytic:.5f}; max S/N {snr[iy, ix]:.1f} at pixel ({ix}, {iy}); "
      f"M_x / sigma spread {np.nanstd(x):.3f}")
assert abs(centre / analytic - 1) < 0.05
assert abs(ix - 129.5) < 3 and abs(iy - 129.5) < 3 and snr[iy, ix] > 5
assert 0.85 < np.nanstd(x) < 1.15
PY
# HEALPix peaks: a spherical KS map (RING) and a survey map in regions (NESTED) find the cluster too; the region
# map has its picture.
# (The maps are smoothed by `ks`; peaks smoothing a HEALPix map would transform the whole sky.)
"$lofimap" -q ks -i cluster.fits --sphere --nside 1024 --smooth 2 --partial -o cluster_sphere.fits --no-png ||
  fail "ks --sphere"
"$lofimap" -q peaks --map cluster_sphere.fits --threshold 4 -o peaks_sphere.fits || fail "peaks sphere"
"$lofimap" -q ks -i cluster.fits --regions 16 --nside 2048 --pixel 1 --smooth 2 -o cluster_regions.fits ||
  fail "ks --regions"
test -s cluster_regions_kappa_e.png || fail "no picture of the region map"
"$lofimap" -q peaks --map cluster_regions.fits --threshold 4 -o peaks_regions.fits || fail "peaks regions"
/usr/bin/python3 - <<'PY' || fail "HEALPix peaks at the cluster"
import numpy as np
from astropy.io import fits
for name in ("peaks_sphere.fits", "peaks_regions.fits"):
    p = fits.getdata(name, "PEAKS")
    d = np.hypot((p["RA"][0] - 30) * np.cos(np.radians(20)), p["DEC"][0] + 20) * 60
    print(f"{name}: highest peak S/N {p['SNR'][0]:.1f} at {d:.2f}' from the cluster")
    assert d < 3 and p["SNR"][0] > 4.5
PY
# --wiener limber: each bin's prior from its own n(z).
"$lofimap" -q ks -i cluster_z.fits $patch --bins Z 0 0.4 2 --wiener limber -o limber.fits --no-png || fail "--wiener limber"
/usr/bin/python3 - <<'PY' || fail "per-bin Wiener priors"
from astropy.io import fits
f = fits.open("limber.fits")
a, b = f["KAPPA_WIENER_BIN1"].header["LMWFCL"], f["KAPPA_WIENER_BIN2"].header["LMWFCL"]
print(a, "|", b)
assert a.startswith("limber") and a != b and "mean z 0.2" in a
PY
"$lofimap" -q null-test -i field.fits --pixel 1 --realisations 100 -o null_field.fits || fail "null-test field"
"$lofimap" -q null-test -i field.fits --pixel 1 --realisations 100 --flip-e1 -o null_flip.fits || fail "null-test flip"
/usr/bin/python3 - <<'PY' || fail "null tests"
from astropy.io import fits
a = fits.getheader("null_field.fits", "NULLTEST")["LMPTE"]
b = fits.getheader("null_flip.fits", "NULLTEST")["LMPTE"]
print(f"null test PTE: cosmic shear {a:.3f}, the same with e1 flipped {b:.4f}")
assert a > 0.01 and b < 0.01
PY
"$lofimap" -q map -i cluster_z.fits $patch --bins Z 0 1 2 --b-mode -o lofi.fits --no-png || fail "map --bins --b-mode"
/usr/bin/python3 - <<'PY' || fail "LoFi bins and B-mode"
import numpy as np
from astropy.io import fits
f = fits.open("lofi.fits")
names = [h.name for h in f]
for n in ("KAPPA", "KAPPA_B", "NGAL", "WEIGHT", "MASK", "KAPPA_BIN1", "KAPPA_B_BIN1", "NGAL_BIN2", "KAPPA_B_BIN2"):
    assert n in names, (n, names)
mask = f["MASK"].data
for n in ("KAPPA", "KAPPA_B", "KAPPA_BIN2"):
    assert np.array_equal(np.isfinite(f[n].data), mask > 0), n
e, b = f["KAPPA"].data, f["KAPPA_B"].data
# A cluster: LoFi's E map peaks at it, its B map (the network on the 45-degree rotated shear) does not.
print(f"LoFi: max E {np.nanmax(e):.3f}, max |B| {np.nanmax(np.abs(b)):.3f}")
assert np.nanmax(e) > 2 * np.nanmax(np.abs(b))
PY
echo "survey products ok"
