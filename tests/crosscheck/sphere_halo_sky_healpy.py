#!/usr/bin/python3
"""A halo-model sky on the sphere read back with healpy and astropy: the halo list (--halo-list) holds haloes
inside the requested cap only (uniform by area), with masses above the family's threshold and redshifts
between 0.02 and the source plane; the truth map at the haloes' centre pixels, stacked, equals their
truncated NFW profiles computed here from the definition and averaged over each pixel; and the shear is the forward model of that convergence
(healpy's map2alm of the truth kappa, scaled to E, synthesised as spin 2, agrees with the Q and U columns)."""
import os
import subprocess
import sys
import tempfile

import healpy as hp
import numpy as np
from astropy.io import fits

lofimap = sys.argv[1]
work = tempfile.mkdtemp(prefix="lofimap-halo-sky-")
os.chdir(work)
nside, ra0, dec0, radius = 256, 30.0, 10.0, 8.0
subprocess.run([lofimap, "--threads", "2", "simulate", "field", "--sphere", "--nside", str(nside), "--family",
                "lognormal-clusters", "--lambda", "0.02", "--halo-cap", str(ra0), str(dec0), str(radius),
                "--halo-list", "haloes.fits", "--seed", "3", "-o", "truth.fits", "--no-png"], check=True,
               stdout=subprocess.DEVNULL)

h = fits.getdata("haloes.fits", "HALOES")
print(f"{len(h)} haloes")
assert len(h) > 100, len(h)
centre = hp.ang2vec(ra0, dec0, lonlat=True)
vec = hp.ang2vec(h["RA"], h["DEC"], lonlat=True)
separation = np.degrees(np.arccos(np.clip(vec @ centre, -1, 1)))
assert separation.max() <= radius + 1e-9, separation.max()
# Uniform by area: half the haloes inside the cap of half the area.
half = np.degrees(np.arccos(1 - (1 - np.cos(np.radians(radius))) / 2))
inner = np.mean(separation < half)
assert abs(inner - 0.5) < 5 * 0.5 / np.sqrt(len(h)), inner
assert h["M200M"].min() >= 1e14 * (1 - 1e-12) and 0.02 <= h["Z"].min() and h["Z"].max() <= 1.0, \
    (h["M200M"].min(), h["Z"].min(), h["Z"].max())

kappa, q, u = hp.read_map("truth.fits", field=(0, 1, 2))
inside = hp.query_disc(nside, centre, np.radians(radius))


def nfw_projection(y, c):
    """Truncated NFW surface density / (2 rho_s r_s) at R = y r_t, from its definition: with u = c y cosh(eta),
    F = int_0^arccosh(1 / y) d eta / (1 + c y cosh eta)^2 (zero beyond the truncation radius)."""
    y = np.atleast_1d(y)
    out = np.zeros_like(y)
    ok = y < 1
    top = np.arccosh(1 / np.maximum(y[ok], 1e-9))
    t = np.linspace(0, 1, 4001)[None, :]
    eta = top[:, None] * t
    f = 1 / (1 + c * y[ok, None] * np.cosh(eta)) ** 2
    out[ok] = np.trapz(f, eta, axis=1)
    return out


# The centre pixel's expected convergence, the profile averaged over its 256 sub-pixels, for the 150 haloes
# where it is largest; stacked, the truth (minus its mean in the cap) must agree: the background and the other
# haloes add nothing on average at random positions (about 0.01 / sqrt(150) of noise).
fine = 16
predicted = np.zeros(len(h))
centre_pixels = hp.ang2pix(nside, h["RA"], h["DEC"], lonlat=True)
for i in range(len(h)):
    children = hp.ring2nest(nside, centre_pixels[i]) * fine * fine + np.arange(fine * fine)
    v = np.array(hp.pix2vec(nside * fine, children, nest=True)).T
    angle = np.arctan2(np.linalg.norm(np.cross(v, vec[i]), axis=1), v @ vec[i])
    predicted[i] = h["KAPPA_NORM"][i] * nfw_projection(angle / np.radians(h["THETA_T"][i] / 60), h["C200M"][i]).mean()
top = np.argsort(predicted)[-150:]
seen = kappa[centre_pixels[top]] - kappa[inside].mean()
print(f"stacked centre pixels of 150 haloes: truth {seen.mean():.5f} +- {seen.std() / np.sqrt(150):.5f}, "
      f"profiles {predicted[top].mean():.5f}")
assert abs(seen.mean() / predicted[top].mean() - 1) < 0.15, (seen.mean(), predicted[top].mean())

lmax = 3 * nside - 1
alm = hp.map2alm(kappa, lmax=lmax, iter=3)
ell = np.arange(lmax + 1)
factor = np.zeros(lmax + 1)
factor[2:] = np.sqrt((ell[2:] + 2.0) * (ell[2:] - 1.0) / (ell[2:] * (ell[2:] + 1.0)))
elm = hp.almxfl(alm, factor)
_, q_ref, u_ref = hp.alm2map([alm * 0, elm, elm * 0], nside, lmax=lmax, pol=True)
rel = np.sqrt(np.mean((q - q_ref) ** 2 + (u - u_ref) ** 2) / np.mean(q_ref**2 + u_ref**2))
print(f"shear against healpy's forward model of the truth kappa: relative rms difference {rel:.2e}")
assert rel < 1e-4, rel
print("OK")
