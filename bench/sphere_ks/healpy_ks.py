#!/usr/bin/python3
"""healpy peer of lofimap-bench-sphere-ks: the same spherical KS with the same algorithm (map2alm_spin plus
ITER Jacobi refinements with alm2map_spin, l-space scaling, two alm2map). Prints the best of REPEATS in s."""
import sys
import time

import healpy as hp
import numpy as np

nside, lmax, iters, repeats = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(1)
npix = hp.nside2npix(nside)
q, u = rng.normal(0, 0.01, npix), rng.normal(0, 0.01, npix)
ell = np.arange(lmax + 1, dtype=float)
f = np.zeros(lmax + 1)
f[2:] = np.sqrt(ell[2:] * (ell[2:] + 1) / ((ell[2:] + 2) * (ell[2:] - 1)))
best = 1e30
for _ in range(repeats):
    t0 = time.perf_counter()
    elm, blm = hp.map2alm_spin([q, u], 2, lmax=lmax)
    for _ in range(iters):
        rq, ru = hp.alm2map_spin([elm, blm], nside, 2, lmax)
        de, db = hp.map2alm_spin([q - rq, u - ru], 2, lmax=lmax)
        elm, blm = elm + de, blm + db
    ke = hp.alm2map(hp.almxfl(elm, f), nside, lmax=lmax)
    kb = hp.alm2map(hp.almxfl(blm, f), nside, lmax=lmax)
    best = min(best, time.perf_counter() - t0)
print(f"{best:.4f}")
