#!/usr/bin/python3
"""The peer of `lofimap ks` for the ingest benchmark: the same work done with astropy + numpy.
Reads the DES-preset columns, applies the same cuts and metacal calibration, projects (gnomonic), bins with
weights, runs Kaiser-Squires with 2x zero padding and writes KAPPA_E/KAPPA_B/WEIGHT/NGAL as FITS images."""
import sys

import numpy as np
from astropy.io import fits

path, out, ra0, dec0, npix, pix_arcmin = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), \
    int(sys.argv[5]), float(sys.argv[6])
with fits.open(path, memmap=True) as h:
    d = h[1].data
    ra, dec, e1, e2, w, r11, r22 = (np.asarray(d[c], dtype=np.float64) for c in
                                     ("ra", "dec", "e_1", "e_2", "weight", "R11", "R22"))
ok = (np.isfinite(ra) & np.isfinite(dec) & np.isfinite(e1) & np.isfinite(e2) & np.isfinite(w) & (w > 0)
      & (np.abs(dec) <= 90) & (e1 ** 2 + e2 ** 2 < 1))
ra, dec, e1, e2, w, r11, r22 = ra[ok], dec[ok], e1[ok], e2[ok], w[ok], r11[ok], r22[ok]
sw = w.sum()
resp = np.sum(w * 0.5 * (r11 + r22)) / sw
g1 = (e1 - np.sum(w * e1) / sw) / resp
g2 = -(e2 - np.sum(w * e2) / sw) / resp
a, d_, a0, d0 = np.radians(ra), np.radians(dec), np.radians(ra0), np.radians(dec0)
cosc = np.sin(d0) * np.sin(d_) + np.cos(d0) * np.cos(d_) * np.cos(a - a0)
x = np.degrees(np.cos(d_) * np.sin(a - a0) / cosc)
y = np.degrees((np.cos(d0) * np.sin(d_) - np.sin(d0) * np.cos(d_) * np.cos(a - a0)) / cosc)
p = pix_arcmin / 60
ix = np.floor(x / p + npix / 2).astype(np.int64)
iy = np.floor(y / p + npix / 2).astype(np.int64)
inside = (ix >= 0) & (iy >= 0) & (ix < npix) & (iy < npix) & (cosc > 0)
k = (iy * npix + ix)[inside]
wsum = np.bincount(k, w[inside], npix * npix)
ngal = np.bincount(k, None, npix * npix)
s1 = np.bincount(k, (w * g1)[inside], npix * npix)
s2 = np.bincount(k, (w * g2)[inside], npix * npix)
seen = wsum > 0
s1[seen] /= wsum[seen]
s2[seen] /= wsum[seen]
n2 = 2 * npix
field = np.zeros((n2, n2), complex)
field[:npix, :npix] = (s1 + 1j * s2).reshape(npix, npix)
k1 = 2 * np.pi * np.fft.fftfreq(n2)[None, :]
k2 = 2 * np.pi * np.fft.fftfreq(n2)[:, None]
ksq = k1 ** 2 + k2 ** 2
ksq[0, 0] = 1
dstar = ((k1 ** 2 - k2 ** 2) - 2j * k1 * k2) / ksq
dstar[0, 0] = 0
dstar.imag[n2 // 2, :] = 0  # Nyquist row/column: the odd k1 k2 term is ambiguous, use the +/- average (0)
dstar.imag[:, n2 // 2] = 0
kappa = np.fft.ifft2(np.fft.fft2(field) * dstar)[:npix, :npix]
hdus = [fits.PrimaryHDU()]
for name, img in (("KAPPA_E", kappa.real), ("KAPPA_B", kappa.imag), ("WEIGHT", wsum.reshape(npix, npix)),
                  ("NGAL", ngal.reshape(npix, npix))):
    hdus.append(fits.ImageHDU(np.ascontiguousarray(img[:, ::-1]).astype(np.float32), name=name))
fits.HDUList(hdus).writeto(out, overwrite=True)
print(f"astropy+numpy: {ok.sum()} valid of {ok.size} rows, {inside.sum()} inside")
