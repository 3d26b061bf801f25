#!/usr/bin/env bash
# Error bars on one flat patch, through the command line:
#  - `ks`: NOISE_STD (exact, analytic) and SNR; with --noise-realisations the rotated-catalogue std, which
#    agrees with the analytic one (mean ratio within 3%) and is identical at 1 and 2 ranks; on the catalogue
#    turned by 45 degrees (pure B) the SNR has unit spread (within 5%);
#  - `ks --wiener --intervals --samples`: the posterior std, the intervals around KAPPA_WIENER, the draws;
#  - `lofimap calibrate` writes a copy of the model whose content hash is unchanged; `map --intervals` with it
#    writes KAPPA_STD and the 68% / 95% bounds in order around KAPPA, and refuses an uncalibrated model and a
#    Wiener posterior without --wiener, naming the option, draws beyond the memory and a calibration set that is
#    not one, leaving no output;
#  - a region map with --intervals is identical at 1 and 2 ranks, and its KAPPA_STD equals the flat patch's at
#    the same HEALPix pixels (median ratio within 1%, 90% of pixels within 3%).
set -uo pipefail
mpiexec=$1
lofimap=$2
model=$3  # a shipped model (no Wiener channel: it maps a catalogue directly)
work=$(mktemp -d /tmp/lofimap-intervals.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$lofimap" -q simulate catalogue --npix 96 --pixel 1 --density 20 --seed 4 -o cat.fits --no-png || fail simulate
"$lofimap" -q simulate cl -o cl.txt || fail cl
"$lofimap" -q simulate training-set --maps 6 --npix 64 --pixel 1 --density 10 40 --sigma-e 0.26 \
  --masked-fraction 0.1 --seed 8 -o cal.h5 || fail training-set
/usr/bin/python3 - <<'PY' || fail "rotating the catalogue"
from astropy.io import fits
with fits.open("cat.fits") as f:
    d = f[1].data
    e1, e2 = d["E1"].copy(), d["E2"].copy()
    d["E1"], d["E2"] = -e2, e1
    f.writeto("rotated.fits")
PY
grid=(--npix 96 --pixel 1 --center 0 0)
"$lofimap" -q ks -i cat.fits "${grid[@]}" -o ks.fits --no-png || fail ks
"$lofimap" -q ks -i rotated.fits "${grid[@]}" -o ks_rot.fits --no-png || fail ks rotated
for n in 1 2; do
  "$mpiexec" --allow-run-as-root --oversubscribe -np $n "$lofimap" -q --threads 1 ks -i cat.fits "${grid[@]}" \
    --noise-realisations 40 --wiener cl.txt -o ks_rot_$n.fits --no-png || fail "ks rotations at $n ranks"
done
"$lofimap" -q ks -i cat.fits "${grid[@]}" --wiener cl.txt --intervals --samples 3 -o wf.fits --no-png || fail wiener
"$lofimap" -q calibrate --model "$model" --calibration-set cal.h5 --density-cells 2 -o cal.pt > table.txt ||
  fail calibrate
grep -q "q68" table.txt || fail "no calibration table"
"$lofimap" -q map -i cat.fits "${grid[@]}" --model cal.pt --intervals -o lofi.fits --no-png || fail "map --intervals"
"$lofimap" -q map -i cat.fits "${grid[@]}" --model "$model" -o plain.fits --no-png || fail map
"$lofimap" -q simulate catalogue --center 30 40 --npix 160 --pixel 1 --density 20 --seed 5 -o sky.fits --no-png ||
  fail "simulate sky"
for n in 1 2; do
  "$mpiexec" --allow-run-as-root --oversubscribe -np $n "$lofimap" -q --threads 1 map -i sky.fits --model cal.pt \
    --intervals --regions 16 --nside 512 --pixel 1 -o region_$n.fits --no-png || fail "region map at $n ranks"
done
"$lofimap" -q map -i sky.fits --model cal.pt --intervals --nside 512 --pixel 1 --npix 160 --center 30 40 \
  -o flat_hp.fits --no-png || fail "flat map at HEALPix pixels"
expect_refusal() {  # what the message must name, then the command
  local what=$1; shift
  out=$("$@" 2>&1) && fail "accepted: $*"
  grep -q -- "$what" <<<"$out" || fail "message without '$what': $out"
}
expect_refusal "lofimap calibrate" "$lofimap" map -i cat.fits "${grid[@]}" --model "$model" --intervals -o x.fits
expect_refusal "--intervals" "$lofimap" ks -i cat.fits "${grid[@]}" --intervals -o x.fits
expect_refusal "--noise-realisations" "$lofimap" ks -i cat.fits --sphere --nside 64 --noise-realisations 4 -o x.fits
expect_refusal "GiB of memory" "$lofimap" ks -i cat.fits --npix 4096 --pixel 0.05 --center 0 0 --wiener cl.txt \
  --samples 1000 -o x.fits
expect_refusal "cat.fits" "$lofimap" calibrate --model "$model" --calibration-set cat.fits -o x.pt
[ -e x.fits ] || [ -e x.pt ] && fail "a refused command left an output"
/usr/bin/python3 - <<'PY'
import sys
import numpy as np
from astropy.io import fits
ok = True
def check(cond, what):
    global ok
    print(("ok   " if cond else "FAIL ") + what)
    ok &= bool(cond)
ks = fits.open("ks.fits")
inside = ks["MASK"].data > 0
analytic = ks["NOISE_STD"].data
check(ks[0].header["LMNOISE"] == "analytic", "ks: LMNOISE analytic")
check(np.allclose(ks["SNR"].data[inside], (ks["KAPPA_E"].data / analytic)[inside]), "SNR = KAPPA_E / NOISE_STD")
rot = fits.open("ks_rot.fits")
spread = np.std(rot["SNR"].data[inside])
check(abs(spread - 1) < 0.05, f"pure-B catalogue: std(SNR) = {spread:.3f}")
one, two = fits.open("ks_rot_1.fits"), fits.open("ks_rot_2.fits")
check(one[0].header["LMNOISE"] == "rotations" and one[0].header["LMNOISEK"] == 40, "rotations recorded")
ratio = np.mean((one["NOISE_STD"].data / analytic)[inside])
check(abs(ratio - 1) < 0.03, f"rotations / analytic = {ratio:.4f}")
for name in ("NOISE_STD", "SNR", "KAPPA_WIENER_NOISE"):
    a, b = one[name].data, two[name].data
    check(np.allclose(a, b, rtol=1e-10, atol=1e-14, equal_nan=True), f"{name} equal at 1 and 2 ranks")
wf = fits.open("wf.fits")
k, s = wf["KAPPA_WIENER"].data, wf["KAPPA_WIENER_STD"].data
lo68, hi68, lo95, hi95 = (wf["KAPPA_WIENER_" + n].data for n in ("LO68", "HI68", "LO95", "HI95"))
check(np.all(s[inside] > 0) and np.all(lo95[inside] < lo68[inside]) and np.all(lo68[inside] < k[inside]) and
      np.all(k[inside] < hi68[inside]) and np.all(hi68[inside] < hi95[inside]), "Wiener intervals ordered")
check("KAPPA_WIENER_S3" in wf and wf[0].header["LMWFPOST"] == 3, "three posterior draws written")
lofi, plain = fits.open("lofi.fits"), fits.open("plain.fits")
check(lofi[0].header["LMHASH"] == plain[0].header["LMHASH"], "calibration keeps the model's hash")
check(np.array_equal(lofi["KAPPA"].data, plain["KAPPA"].data, equal_nan=True), "the same map with intervals")
k = lofi["KAPPA"].data
m = np.isfinite(k)
names = ("LO95", "LO68", "HI68", "HI95")
lo95, lo68, hi68, hi95 = (lofi["KAPPA_" + n].data for n in names)
check(m.sum() > 0.8 * k.size and np.all(lo95[m] < lo68[m]) and np.all(lo68[m] < k[m]) and
      np.all(k[m] < hi68[m]) and np.all(hi68[m] < hi95[m]), "LoFi intervals ordered inside the footprint")
check(np.allclose((hi68 - k)[m], lofi["KAPPA_STD"].data[m], rtol=1e-5), "KAPPA_STD is the 68% half-width")
h = lofi[0].header
check(0 < h["LMQ68"] < h["LMQ95"] and h["LMINTERV"].startswith("conformal"), "quantiles recorded")
import healpy as hp
one, two = fits.getdata("region_1.fits", 1), fits.getdata("region_2.fits", 1)
same = all(np.array_equal(one[c], two[c]) for c in ("PIXEL", "KAPPA", "KAPPA_STD", "KAPPA_LO95", "KAPPA_HI95"))
check(same, "region intervals identical at 1 and 2 ranks")
flat = fits.getdata("flat_hp.fits", 1)
where = dict(zip(hp.nest2ring(512, one["PIXEL"]), range(len(one))))
pairs = [(i, where[p]) for i, p in enumerate(flat["PIXEL"]) if p in where]
a = np.array([flat["KAPPA_STD"][i] for i, _ in pairs])
b = np.array([one["KAPPA_STD"][j] for _, j in pairs])
use = np.isfinite(a) & np.isfinite(b) & (np.abs(a) < 1e10) & (np.abs(b) < 1e10)
ratio = b[use] / a[use]
check(use.sum() > 300 and abs(np.median(ratio) - 1) < 0.01 and np.mean(np.abs(ratio - 1) < 0.03) > 0.9,
      f"region vs flat KAPPA_STD: {use.sum()} pixels, median ratio {np.median(ratio):.4f}")
sys.exit(0 if ok else 1)
PY
