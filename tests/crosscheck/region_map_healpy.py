#!/usr/bin/python3
"""Survey maps in sky regions (`lofimap ks --regions`) as healpy sees them, on a simulated lognormal cap (disc of
8 deg at Dec 40) with its truth: healpy reads the partial NESTED map (read_map(partial=True), converted to RING)
and gets lofimap's values at lofimap's pixels and UNSEEN elsewhere; the NGAL column equals healpy's own count of
the catalogue's galaxies per pixel (ang2pix, nest=True); and, both smoothed by a 20' Gaussian (the truth too), the
map correlates with the truth as well as the global spherical KS does (within 0.01 in r; measured 0.894 vs 0.884)
and with the spherical KS map itself at r > 0.97 (measured 0.985; 0.960 with --large-scales box and a 2 deg margin).
Usage: region_map_healpy.py LOFIMAP"""
import os
import subprocess
import sys
import tempfile

import healpy as hp
import numpy as np
from astropy.io import fits

lofimap = sys.argv[1]
work = tempfile.mkdtemp(prefix="lofimap-regions-healpy-")
os.chdir(work)
nside = 256
run = lambda *args: subprocess.run([lofimap, "-q", *args], check=True)
run("simulate", "catalogue", "--sphere", "--nside", str(nside), "--disc", "150", "40", "8", "--density", "1",
    "--sigma-e", "0.1", "--lambda", "0.5", "--seed", "3", "-o", "cat.fits", "--truth", "truth.fits", "--no-png")
pixel_arcmin = np.degrees(hp.nside2resol(nside)) * 60
run("ks", "-i", "cat.fits", "--regions", "8", "--nside", str(nside), "--pixel", f"{pixel_arcmin:.4f}", "--smooth",
    "20", "-o", "regions.fits", "--no-png")
run("ks", "-i", "cat.fits", "--sphere", "--nside", str(nside), "--partial", "--smooth", "20", "-o", "sphere.fits",
    "--no-png")

table = fits.getdata("regions.fits", 1)
header = fits.getheader("regions.fits", 1)
ok = header["ORDERING"] == "NESTED" and header["INDXSCHM"] == "EXPLICIT" and header["NSIDE"] == nside
pix_ring = hp.nest2ring(nside, table["PIXEL"])
m = hp.read_map("regions.fits", field=0, partial=True)
seen = np.zeros(hp.nside2npix(nside), bool)
seen[pix_ring] = True
read_ok = np.array_equal(m[pix_ring], table["KAPPA_E"]) and np.all(m[~seen] == hp.UNSEEN)

cat = fits.getdata("cat.fits", 1)
counts = np.bincount(hp.ang2pix(nside, np.radians(90 - cat["dec"]), np.radians(cat["ra"]), nest=True),
                     minlength=hp.nside2npix(nside))
counts_ok = np.array_equal(counts[table["PIXEL"]], table["NGAL"].astype(int))

truth = hp.smoothing(hp.read_map("truth.fits", field=0), sigma=np.radians(20 / 60))[pix_ring]
sphere = hp.read_map("sphere.fits", field=0, partial=True)[pix_ring]
both = sphere != hp.UNSEEN
r_regions = np.corrcoef(table["KAPPA_E"][both], truth[both])[0, 1]
r_sphere = np.corrcoef(sphere[both], truth[both])[0, 1]
r_maps = np.corrcoef(table["KAPPA_E"][both], sphere[both])[0, 1]
print(f"{len(table)} observed pixels; header ok {ok}; healpy reads the values {read_ok}; NGAL = healpy's counts "
      f"{counts_ok}; r with the truth: regions {r_regions:.3f}, spherical KS {r_sphere:.3f}; r between the two "
      f"maps {r_maps:.3f}")
sys.exit(0 if ok and read_ok and counts_ok and r_regions > r_sphere - 0.01 and r_maps > 0.97 else 1)
