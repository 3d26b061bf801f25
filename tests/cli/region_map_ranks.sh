#!/usr/bin/env bash
# `lofimap map --regions` and `lofimap ks --regions` under mpirun at 1, 2 and 4 ranks: the partial NESTED HEALPix
# maps (LoFi, KS, galaxy counts) are the same whatever the number of ranks (each rank reads its own rows, the
# galaxies are exchanged to the owners of their regions, rank 0 writes the ranks' shares in turn), and the same
# when the ranks read the catalogue again for every pass (--reread-catalogue) instead of holding it. A run stopped
# after one region per rank (as a pre-empted batch job would be: exit 4, finished regions kept) and resumed on
# another number of ranks gives the uninterrupted run's map; a run without --resume (which would throw the
# finished regions away) and a resume with other options are refused. `map --regions --coords` gives the
# map's values at its pixel centres, in the list's order, at every number of ranks; an .h5 output, written
# collectively by the ranks, holds the same map; a flat mosaic (--out-pixel) is placed where its WCS says.
# Region margins of 2 deg: the spherical large-scale maps resolve margin / 4, so they cost 1.1 s a run instead of
# 4.9 s at the default 1 deg; nothing checked here depends on the margin's size.
set -uo pipefail
mpiexec=$1
lofimap=$2
make_catalogue=$3
work=$(mktemp -d /tmp/lofimap-region-ranks.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$make_catalogue" -o cat.fits --ra 30 --dec 40 --npix 240 --pixel 1 --density 4 --haloes 6 >/dev/null || exit 1
for n in 1 2 4; do
  "$mpiexec" --allow-run-as-root --oversubscribe -np $n "$lofimap" --threads 1 map -i cat.fits --regions 16 --margin 2 \
    --nside 512 --pixel 1 -o lofi_$n.fits >log_$n.txt 2>&1 || { cat log_$n.txt; echo "FAIL: map at $n ranks"; exit 1; }
  "$mpiexec" --allow-run-as-root --oversubscribe -np $n "$lofimap" --threads 1 ks -i cat.fits --regions 16 --margin 2 \
    --nside 512 --pixel 2 -o ks_$n.fits --no-png >>log_$n.txt 2>&1 || { cat log_$n.txt; echo "FAIL: ks at $n ranks"; exit 1; }
done
grep -h "regions: nside 16" log_4.txt | head -1
# The catalogue read again for every pass instead of held (--reread-catalogue): the same maps.
"$mpiexec" --allow-run-as-root --oversubscribe -np 2 "$lofimap" --threads 1 map -i cat.fits --regions 16 --margin 2 \
  --nside 512 --pixel 1 --reread-catalogue --region-memory 0.001 -o lofi_reread.fits >reread_log.txt 2>&1 ||
  { cat reread_log.txt; echo "FAIL: map --reread-catalogue at 2 ranks"; exit 1; }
"$mpiexec" --allow-run-as-root --oversubscribe -np 3 "$lofimap" --threads 1 ks -i cat.fits --regions 16 --margin 2 \
  --nside 512 --pixel 2 --reread-catalogue -o ks_reread.fits --no-png >>reread_log.txt 2>&1 ||
  { cat reread_log.txt; echo "FAIL: ks --reread-catalogue at 3 ranks"; exit 1; }
# HDF5 output: every rank writes its share in one collective write.
"$mpiexec" --allow-run-as-root --oversubscribe -np 3 "$lofimap" --threads 1 ks -i cat.fits --regions 16 --margin 2 \
  --nside 512 --pixel 2 -o ks_3.h5 >h5_log.txt 2>&1 || { cat h5_log.txt; echo "FAIL: ks to HDF5 at 3 ranks"; exit 1; }

# A coordinate list: the observed pixels' centres of the 1-rank LoFi map, shuffled, and points far from the
# footprint (NaN expected); mapped at 1, 2 and 4 ranks, written in the list's order (FITS and text).
/usr/bin/python3 - <<'PY' || { echo "FAIL: making the coordinate list"; exit 1; }
import healpy as hp
import numpy as np
from astropy.io import fits
pix = fits.getdata("lofi_1.fits", 1)["PIXEL"]
order = np.random.default_rng(5).permutation(len(pix))
theta, phi = hp.pix2ang(512, pix[order], nest=True)
ra = np.concatenate([np.degrees(phi), [210.0, 30.0, 100.0]])
dec = np.concatenate([90 - np.degrees(theta), [-40.0, -30.0, 10.0]])
fits.BinTableHDU.from_columns([fits.Column("RA", "D", array=ra), fits.Column("DEC", "D", array=dec)]).writeto(
    "coords.fits", overwrite=True)
np.save("coords_pix.npy", pix[order])
PY
for n in 1 2 4; do
  out=coords_$n.fits; [ $n -eq 2 ] && out=coords_$n.txt
  "$mpiexec" --allow-run-as-root --oversubscribe -np $n "$lofimap" --threads 1 map -i cat.fits --regions 16 --margin 2 \
    --pixel 1 --coords coords.fits -o $out >coords_log_$n.txt 2>&1 ||
    { cat coords_log_$n.txt; echo "FAIL: map --coords at $n ranks"; exit 1; }
done
grep -h "coordinates," coords_log_4.txt

# A flat mosaic (--out-pixel): the same at 1 and 3 ranks, and its pixels, placed by astropy from the TAN WCS,
# hold the values `--coords` gives at those positions.
for n in 1 3; do
  "$mpiexec" --allow-run-as-root --oversubscribe -np $n "$lofimap" --threads 1 map -i cat.fits --regions 16 --margin 2 \
    --pixel 1 --out-pixel 2 -o mosaic_$n.fits >mosaic_log_$n.txt 2>&1 ||
    { cat mosaic_log_$n.txt; echo "FAIL: map --out-pixel at $n ranks"; exit 1; }
done
/usr/bin/python3 - <<'PY' || { echo "FAIL: making the mosaic's coordinate list"; exit 1; }
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
h = fits.open("mosaic_1.fits")["KAPPA"]
ny, nx = h.data.shape
yy, xx = np.mgrid[0:ny, 0:nx]
ra, dec = WCS(h.header).all_pix2world(xx.ravel(), yy.ravel(), 0)
fits.BinTableHDU.from_columns([fits.Column("RA", "D", array=ra), fits.Column("DEC", "D", array=dec)]).writeto(
    "mosaic_coords.fits", overwrite=True)
PY
"$mpiexec" --allow-run-as-root --oversubscribe -np 2 "$lofimap" --threads 1 map -i cat.fits --regions 16 --margin 2 \
  --pixel 1 --coords mosaic_coords.fits -o mosaic_coords_out.fits >mosaic_log_c.txt 2>&1 ||
  { cat mosaic_log_c.txt; echo "FAIL: map --coords at the mosaic's pixels"; exit 1; }
/usr/bin/python3 - <<'PY' || { echo "FAIL: flat mosaic"; exit 1; }
import sys
import numpy as np
from astropy.io import fits
one, three = fits.getdata("mosaic_1.fits", "KAPPA"), fits.getdata("mosaic_3.fits", "KAPPA")
listed = fits.getdata("mosaic_coords_out.fits", 1)["KAPPA"]
same_ranks = np.array_equal(np.isnan(one), np.isnan(three)) and np.nanmax(np.abs(one - three)) == 0
k = one.ravel()
same_nan = np.array_equal(np.isnan(k), np.isnan(listed))
worst = np.nanmax(np.abs(k - listed)) / np.nanmax(np.abs(k))
print(f"mosaic {one.shape}: {np.isfinite(k).mean():.3f} inside, 1 vs 3 ranks equal {same_ranks}, WCS positions "
      f"give the same values {same_nan} (largest difference {worst:.1e})")
sys.exit(0 if same_ranks and same_nan and worst < 1e-5 and np.isfinite(k).mean() > 0.9 else 1)
PY
/usr/bin/python3 - <<'PY' || { echo "FAIL: coordinate lists"; exit 1; }
import sys
import numpy as np
from astropy.io import fits
listed = fits.getdata("coords.fits", 1)
pix = np.load("coords_pix.npy")
ref = fits.getdata("lofi_1.fits", 1)
at = {p: i for i, p in enumerate(ref["PIXEL"])}
want = ref["KAPPA"][[at[p] for p in pix]]
ok = True
for n, name in ((1, "coords_1.fits"), (2, "coords_2.txt"), (4, "coords_4.fits")):
    if name.endswith(".fits"):
        d = fits.getdata(name, 1)
        ra, dec, kappa = d["RA"], d["DEC"], d["KAPPA"]
    else:
        t = np.loadtxt(name)
        ra, dec, kappa = t[:, 0], t[:, 1], t[:, 2]
    in_order = np.allclose(ra, listed["RA"], rtol=0, atol=1e-6) and np.allclose(dec, listed["DEC"], rtol=0, atol=1e-6)
    far_nan = bool(np.all(np.isnan(kappa[-3:])))
    finite = np.isfinite(kappa[:-3])
    worst = np.max(np.abs(kappa[:-3][finite] - want[finite])) / np.max(np.abs(want))
    print(f"coordinates at {n} ranks ({name}): in the list's order {in_order}, far points NaN {far_nan}, "
          f"{finite.mean():.4f} of the map's pixels inside, largest difference from the map {worst:.1e}")
    # Edge pixels of the 6.9' map count as observed when they hold a galaxy; their centres, as points, need a
    # galaxy within about an input pixel (1'), so a rim of them (about 7% of this 4 deg field) is NaN.
    ok &= in_order and far_nan and finite.mean() > 0.9 and worst < 1e-5
sys.exit(0 if ok else 1)
PY

"$mpiexec" --allow-run-as-root --oversubscribe -np 2 "$lofimap" --threads 1 ks -i cat.fits --regions 16 --margin 2 \
  --nside 512 --pixel 2 -o resumed.fits --no-png --stop-after 1 >stop.txt 2>&1
rc=$?
if [ "$rc" -ne 4 ] || [ -e resumed.fits ] || [ "$(ls resumed.fits.parts/region_*.bin | wc -l)" -ne 2 ]; then
  cat stop.txt; echo "FAIL: --stop-after 1 at 2 ranks: exit $rc, expected 4 with two finished regions"; exit 1
fi
"$lofimap" --threads 1 ks -i cat.fits --regions 16 --margin 2 --nside 512 --pixel 2 -o resumed.fits --no-png >fresh.txt 2>&1
rc=$?
if [ "$rc" -ne 3 ] || ! grep -q "holds 2 finished regions of an interrupted run: pass --resume" fresh.txt ||
  [ "$(ls resumed.fits.parts/region_*.bin | wc -l)" -ne 2 ]; then
  cat fresh.txt; echo "FAIL: a run without --resume over finished regions: exit $rc, expected 3 with them kept"; exit 1
fi
"$lofimap" --threads 1 ks -i cat.fits --regions 16 --margin 2 --nside 512 --pixel 3 -o resumed.fits --no-png --resume >other.txt 2>&1
rc=$?
if [ "$rc" -ne 3 ] || ! grep -q "made from other inputs or options" other.txt; then
  cat other.txt; echo "FAIL: resume with another --pixel: exit $rc, expected 3"; exit 1
fi
"$mpiexec" --allow-run-as-root --oversubscribe -np 4 "$lofimap" --threads 1 ks -i cat.fits --regions 16 --margin 2 \
  --nside 512 --pixel 2 -o resumed.fits --no-png --resume >resume.txt 2>&1 || { cat resume.txt; echo "FAIL: resume"; exit 1; }
grep -q "2 of them from the interrupted run" resume.txt || { cat resume.txt; echo "FAIL: the finished regions were not reused"; exit 1; }
[ -e resumed.fits.parts ] && { echo "FAIL: the finished regions were not cleaned up"; exit 1; }
echo "ok: stopped after 1 region per rank at 2 ranks (exit 4), resumed at 4 ranks reusing 2 regions"
/usr/bin/python3 - <<'PY'
import sys
import numpy as np
from astropy.io import fits
ok = True
for kind, columns in (("lofi", ("KAPPA", "KAPPA_KS", "NGAL")), ("ks", ("KAPPA_E", "KAPPA_B", "NGAL"))):
    ref = fits.getdata(f"{kind}_1.fits", 1)
    for n in (2, 4, "reread"):
        other = fits.getdata(f"{kind}_{n}.fits", 1)
        same_pixels = np.array_equal(ref["PIXEL"], other["PIXEL"])
        worst = max(np.max(np.abs(other[c] - ref[c])) / max(np.max(np.abs(ref[c])), 1e-30) for c in columns) \
            if same_pixels else np.inf
        print(f"{kind} at {n} ranks: {len(other)} pixels, same pixels {same_pixels}, largest relative difference "
              f"{worst:.1e}")
        ok &= same_pixels and worst < 1e-5 and len(ref) > 1000
import h5py
with h5py.File("ks_3.h5", "r") as f:
    ref = fits.getdata("ks_1.fits", 1)
    same = (f.attrs["NSIDE"] == 512 and f.attrs["ORDERING"] == b"NESTED" and
            np.array_equal(f["PIXEL"][:], ref["PIXEL"]) and
            all(np.allclose(f[c][:], ref[c], rtol=0, atol=1e-6 * np.max(np.abs(ref[c])))
                for c in ("KAPPA_E", "KAPPA_B", "NGAL")))
    print(f"HDF5 map written collectively by 3 ranks equals the FITS map: {same}")
    ok &= same
resumed = fits.getdata("resumed.fits", 1)
ref = fits.getdata("ks_1.fits", 1)
same = np.array_equal(resumed["PIXEL"], ref["PIXEL"]) and all(np.array_equal(resumed[c], ref[c])
                                                                for c in ("KAPPA_E", "KAPPA_B", "NGAL"))
print(f"stopped and resumed map equal to the uninterrupted one: {same}")
ok &= same
sys.exit(0 if ok else 1)
PY
