#!/usr/bin/python3
"""Cross-check of the flat FITS WCS with astropy (independent of lofimap's own WCS code):
 - the centre pixel maps to the requested patch centre, a corner pixel to the RA/Dec given by the gnomonic
   inverse written out here from Calabretta & Greisen (2002), East is left;
 - a point mass placed at a known RA/Dec in a DES-convention catalogue (shapes computed here from the
   published convention) peaks at the pixel astropy assigns to that RA/Dec."""
import os
import subprocess
import sys
import tempfile

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

lofimap = sys.argv[1]
work = tempfile.mkdtemp(prefix="lofimap-wcs-")
os.chdir(work)


def deproject(ra0, dec0, x_deg, y_deg):
    x, y = np.radians(x_deg), np.radians(y_deg)
    d0 = np.radians(dec0)
    rho = np.hypot(x, y)
    c = np.arctan(rho)
    dec = np.arcsin(np.cos(c) * np.sin(d0) + (y * np.sin(c) * np.cos(d0) / rho if rho > 0 else 0))
    ra = np.radians(ra0) + np.arctan2(x * np.sin(c), rho * np.cos(d0) * np.cos(c) - y * np.sin(d0) * np.sin(c))
    return np.degrees(ra) % 360, np.degrees(dec)


def project(ra0, dec0, ra, dec):
    a, d, a0, d0 = map(np.radians, (ra, dec, ra0, dec0))
    cosc = np.sin(d0) * np.sin(d) + np.cos(d0) * np.cos(d) * np.cos(a - a0)
    x = np.cos(d) * np.sin(a - a0) / cosc
    y = (np.cos(d0) * np.sin(d) - np.sin(d0) * np.cos(d) * np.cos(a - a0)) / cosc
    return np.degrees(x), np.degrees(y)


# A point mass at (ra_m, dec_m), galaxies on a grid around it; DES convention: flat (g1, g2) = (e1, -e2).
ra_m, dec_m = 150.37, -40.21
xs = np.linspace(-0.45, 0.45, 180)
X, Y = np.meshgrid(xs, xs)
X, Y = X.ravel(), Y.ravel()
r2 = (X ** 2 + Y ** 2) * 3600.0
keep = r2 > 1
X, Y, r2 = X[keep], Y[keep], r2[keep]
phi = np.arctan2(Y, X)
gt = 0.5 / r2
g1, g2 = -gt * np.cos(2 * phi), -gt * np.sin(2 * phi)
ra, dec = np.array([deproject(ra_m, dec_m, x, y) for x, y in zip(X, Y)]).T
cols = [fits.Column(name=n, format="D", array=v) for n, v in
        [("ra", ra), ("dec", dec), ("e_1", g1), ("e_2", -g2), ("weight", np.ones_like(ra)),
         ("R11", np.ones_like(ra)), ("R22", np.ones_like(ra))]]
fits.BinTableHDU.from_columns(cols, name="SHEAR").writeto("pm.fits")

failures = 0
for n in (41, 48):  # odd and even grids
    ra0, dec0, pix = 150.3, -40.2, 0.75
    out = f"map{n}.fits"
    subprocess.run([lofimap, "ks", "-i", "pm.fits", "--preset", "des", "--center", str(ra0), str(dec0),
                    "--npix", str(n), "--pixel", str(pix), "-o", out, "--no-png"], check=True,
                   stdout=subprocess.DEVNULL)
    with fits.open(out) as h:
        w = WCS(h["KAPPA_E"].header)
        kappa = h["KAPPA_E"].data
    c = (n - 1) / 2.0
    cra, cdec = w.pixel_to_world_values(c, c)
    corner = w.pixel_to_world_values(0, 0)
    expect = deproject(ra0, dec0, +c * pix / 60, -c * pix / 60)  # column 0 is the East-most: x = +c pixels
    east_left = w.pixel_to_world_values(0, c)[0] > w.pixel_to_world_values(n - 1, c)[0]
    peak = np.unravel_index(np.argmax(kappa), kappa.shape)
    px, py = w.world_to_pixel_values(ra_m, dec_m)
    ok = (abs(cra - ra0) < 1e-9 and abs(cdec - dec0) < 1e-9 and abs(corner[0] - expect[0]) < 1e-8
          and abs(corner[1] - expect[1]) < 1e-8 and east_left
          and (peak[1], peak[0]) == (int(np.floor(px + 0.5)), int(np.floor(py + 0.5))) and kappa[peak] > 0)
    print(f"n={n}: centre ({cra:.9f}, {cdec:.9f}) expected ({ra0}, {dec0}); corner ({corner[0]:.8f}, {corner[1]:.8f}) "
          f"expected ({expect[0]:.8f}, {expect[1]:.8f}); East left {east_left}; kappa peak at pixel "
          f"({peak[1]}, {peak[0]}), astropy puts the mass at ({px:.2f}, {py:.2f}) -> {'ok' if ok else 'FAIL'}")
    failures += not ok
sys.exit(1 if failures else 0)
