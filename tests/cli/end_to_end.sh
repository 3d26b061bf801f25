#!/usr/bin/env bash
# The command line end to end: version, a synthetic catalogue through `lofimap ks` (flat and sphere), `info` on
# the products, a config file, and overwrite.
set -euo pipefail
lofimap=$1
make_catalogue=$2
work=$(mktemp -d /tmp/lofimap-e2e.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

"$lofimap" version | tee version.txt
grep -q "LibTorch" version.txt && grep -q "HEALPix" version.txt && grep -q "BLAS" version.txt
"$lofimap" --help | grep -q "ks"

"$make_catalogue" -o cat.fits --truth truth.fits --preset kids --npix 96 --pixel 1 --density 20 --seed 3
"$lofimap" --threads 2 ks -i cat.fits --preset kids --pixel 1 --smooth 1.5 -o flat.fits
for f in flat.fits flat_kappa_e.png flat_kappa_b.png flat_ngal.png; do test -s "$f"; done
"$lofimap" info flat.fits | tee info.txt
grep -q "KAPPA_E: image" info.txt && grep -q "LMPRESET = kids" info.txt && grep -q "CTYPE1 = RA---TAN" info.txt

"$lofimap" ks -i cat.fits --preset kids --sphere --nside 256 -o sphere.fits
"$lofimap" info sphere.fits | grep -q "NSIDE = 256"

# Options from a config file (CLI11 TOML), same result as on the command line.
cat > ks.toml <<'TOML'
[ks]
input = ["cat.fits"]
preset = "kids"
pixel = 1.0
smooth = 1.5
output = "from_config.fits"
no-png = true
TOML
"$lofimap" --config ks.toml ks
/usr/bin/python3 - <<'PY'
from astropy.io import fits
import numpy as np
a = fits.getdata("flat.fits", "KAPPA_E"); b = fits.getdata("from_config.fits", "KAPPA_E")
assert np.array_equal(a, b), "config file run differs from the command-line run"
t = fits.getdata("truth.fits", "KAPPA")
print("end-to-end: config run identical; flat map shape", a.shape)
PY
# Evaluation against the simulated truth (the toy catalogue's truth is on the same grid when given the same patch).
"$lofimap" ks -i cat.fits --preset kids --center 150 2 --npix 96 --pixel 1 --smooth 2 -o matched.fits --no-png
"$lofimap" eval --map matched.fits:KAPPA_E --truth truth.fits --b-map matched.fits:KAPPA_B --mask matched.fits:WEIGHT -o eval
/usr/bin/python3 - <<'PY'
import json
r = json.load(open("eval.json"))
assert 0.3 < r["pearson"] <= 1 and r["rmse"] > 0 and 0 < r["b_level"] < 1, r
print("eval:", {k: r[k] for k in ("pearson", "rmse", "b_level")})
PY
test -s eval.png && test -s eval.txt

# The Wiener baseline with a Limber C_ell: it must beat the unsmoothed KS map against the truth.
"$lofimap" simulate cl -o cl.txt
"$lofimap" ks -i cat.fits --preset kids --center 150 2 --npix 96 --pixel 1 --wiener cl.txt -o wiener.fits --no-png
"$lofimap" info wiener.fits | grep -q "KAPPA_WIENER: image"
"$lofimap" eval --map wiener.fits:KAPPA_E --truth truth.fits --mask wiener.fits:WEIGHT -o eval_ks_raw
"$lofimap" eval --map wiener.fits:KAPPA_WIENER --truth truth.fits --mask wiener.fits:WEIGHT -o eval_wiener
/usr/bin/python3 - <<'PY'
import json
ks, wf = json.load(open("eval_ks_raw.json")), json.load(open("eval_wiener.json"))
assert wf["pearson"] > ks["pearson"] + 0.1 and wf["rmse"] < ks["rmse"], (ks, wf)
print("wiener vs unsmoothed KS: r %.3f vs %.3f, RMSE %.4f vs %.4f" % (wf["pearson"], ks["pearson"], wf["rmse"], ks["rmse"]))
PY

# --overwrite replaces
"$lofimap" ks -i cat.fits --preset kids --pixel 1 -o flat.fits --overwrite --no-png
echo "end-to-end ok"
