#!/usr/bin/python3
"""Spherical KS of lofimap against healpy on the same catalogue: healpy bins the galaxies itself (ang2pix,
bincount), applies the DES convention by hand ((Q, U) = (-e1, +e2) after the weighted mean is subtracted),
transforms with map2alm(pol=True, iter=3) and scales E by sqrt(l(l+1)/((l+2)(l-1))). Requires r > 0.9999.
Also checks that healpy.read_map reads lofimap's HEALPix FITS (keys, ordering) and that pixels outside the
footprint are UNSEEN."""
import os
import subprocess
import sys
import tempfile

import healpy as hp
import numpy as np
from astropy.io import fits

lofimap, make_catalogue = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp(prefix="lofimap-healpy-")
os.chdir(work)
nside, lmax = 64, 128
subprocess.run([make_catalogue, "-o", "cat.fits", "--preset", "des", "--ra", "40", "--dec", "-20", "--npix", "200",
                "--pixel", "15", "-n", "400000", "--haloes", "20", "--seed", "5"], check=True, stdout=subprocess.DEVNULL)
subprocess.run([lofimap, "ks", "-i", "cat.fits", "--preset", "des", "--sphere", "--nside", str(nside), "--lmax",
                str(lmax), "-o", "ks.fits", "--no-png"], check=True, stdout=subprocess.DEVNULL)

ours_e, ours_b, weight = hp.read_map("ks.fits", field=(0, 1, 2))
header = dict(fits.getheader("ks.fits", 1))
assert header["ORDERING"] == "RING" and header["NSIDE"] == nside and header["COORDSYS"] == "C", header

cat = fits.getdata("cat.fits")
w = cat["weight"]
e1 = cat["e_1"] - np.sum(w * cat["e_1"]) / np.sum(w)
e2 = cat["e_2"] - np.sum(w * cat["e_2"]) / np.sum(w)
resp = np.sum(w * 0.5 * (cat["R11"] + cat["R22"])) / np.sum(w)
e1, e2 = e1 / resp, e2 / resp
pix = hp.ang2pix(nside, np.radians(90 - cat["dec"]), np.radians(cat["ra"]))
npix = hp.nside2npix(nside)
wsum = np.bincount(pix, w, npix)
q = np.bincount(pix, w * (-e1), npix)
u = np.bincount(pix, w * (+e2), npix)
seen = wsum > 0
q[seen] /= wsum[seen]
u[seen] /= wsum[seen]
_, elm, blm = hp.map2alm([np.zeros(npix), q, u], lmax=lmax, pol=True, iter=3)
ell = np.arange(lmax + 1, dtype=float)
f = np.zeros(lmax + 1)
f[2:] = np.sqrt(ell[2:] * (ell[2:] + 1) / ((ell[2:] + 2) * (ell[2:] - 1)))
ref_e = hp.alm2map(hp.almxfl(elm, f), nside, lmax=lmax)
ref_b = hp.alm2map(hp.almxfl(blm, f), nside, lmax=lmax)
# Outside the footprint lofimap writes UNSEEN (the transform's ringing there is not signal); compare inside.
unseen_ok = np.all(ours_e[~seen] == hp.UNSEEN) and np.all(ours_b[~seen] == hp.UNSEEN)
r_e = np.corrcoef(ours_e[seen], ref_e[seen])[0, 1]
r_b = np.corrcoef(ours_b[seen], ref_b[seen])[0, 1]
weight_ok = np.allclose(weight, wsum, rtol=1e-5)
print(f"nside {nside}, lmax {lmax}: r(kappa_E lofimap, healpy) = {r_e:.7f}, r(kappa_B) = {r_b:.7f}, "
      f"rms ratio E {np.std(ours_e[seen]) / np.std(ref_e[seen]):.6f}, weights equal: {weight_ok}, UNSEEN outside "
      f"the footprint: {unseen_ok}")
# Partial output (explicit indexing) as healpy reads it.
subprocess.run([lofimap, "ks", "-i", "cat.fits", "--preset", "des", "--sphere", "--nside", str(nside), "--lmax",
                str(lmax), "--partial", "-o", "ks_partial.fits", "--no-png"], check=True, stdout=subprocess.DEVNULL)
part = hp.read_map("ks_partial.fits", field=0, partial=True)
partial_ok = np.array_equal(part[seen], ours_e[seen]) and np.all(part[~seen] == hp.UNSEEN)
print(f"partial map read by healpy: {seen.sum()} observed pixels, equal to the full map there: {partial_ok}")
sys.exit(0 if (r_e > 0.9999 and r_b > 0.9999 and weight_ok and partial_ok and unseen_ok) else 1)
