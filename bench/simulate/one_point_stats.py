#!/usr/bin/python3
"""One-point statistics of training-set truth maps: rms, skewness, PDF quantiles, and peak counts per deg^2 of
the map smoothed by a Gaussian of 1' above 3 and 5 times a given noise level (8 neighbours, 2' edge cut).
Usage: one_point_stats.py PIXEL_ARCMIN SIGMA_NOISE SET.h5..."""
import sys

import h5py
import numpy as np

pixel, sigma_n = float(sys.argv[1]), float(sys.argv[2])
print(f"{'set':<14} {'rms':>8} {'skew':>6} {'kurt':>6} {'q0.1%':>8} {'q50%':>8} {'q99.9%':>8} "
      f"{'pk>3':>7} {'pk>5':>7}   (peaks per deg^2, noise {sigma_n})")
for path in sys.argv[3:]:
    with h5py.File(path) as f:
        k = f["kappa"][()].astype(float)
    n = k.shape[1]
    fx = np.fft.fftfreq(n)
    g = np.exp(-2 * np.pi ** 2 * (1.0 / pixel) ** 2 * (fx[:, None] ** 2 + fx[None, :] ** 2))
    rms, skew, kurt, qs, p3, p5 = [], [], [], [], 0, 0
    cut = int(np.ceil(2 / pixel))
    for m in k:
        d = m - m.mean()
        rms.append(d.std())
        skew.append((d ** 3).mean() / d.std() ** 3)
        kurt.append((d ** 4).mean() / d.std() ** 4 - 3)
        qs.append(np.quantile(d, [0.001, 0.5, 0.999]))
        s = np.fft.ifft2(np.fft.fft2(d) * g).real
        c = s[1:-1, 1:-1]
        peak = np.ones_like(c, dtype=bool)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                if dx or dy:
                    peak &= c > s[1 + dy:n - 1 + dy, 1 + dx:n - 1 + dx]
        inner = np.zeros_like(peak)
        inner[cut:-cut, cut:-cut] = True
        p3 += np.sum(peak & inner & (c > 3 * sigma_n))
        p5 += np.sum(peak & inner & (c > 5 * sigma_n))
    area = len(k) * ((n - 2 - 2 * cut) * pixel / 60) ** 2
    q = np.mean(qs, axis=0)
    name = path.rsplit("/", 1)[-1]
    print(f"{name:<14} {np.mean(rms):8.5f} {np.mean(skew):6.2f} {np.mean(kurt):6.2f} {q[0]:8.4f} {q[1]:8.4f} "
          f"{q[2]:8.4f} {p3 / area:7.1f} {p5 / area:7.1f}")
