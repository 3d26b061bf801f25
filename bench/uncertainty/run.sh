#!/usr/bin/env bash
# Coverage of map intervals on skies the model and its calibration never saw (after make_models.sh):
#  1. each leave-one-family-out model calibrated (`lofimap calibrate`) on 60 held-out maps per pixel scale
#     (1', 0.5', 0.29') of each of its three training families;
#  2. lofimap-bench-coverage on the held-out family's test sets (50 maps each, n_gal 10 / 30 / 70, 1' and 0.29'):
#     LoFi's intervals and the Wiener filter's exact posterior intervals (32 samples) side by side;
#  3. the same through the real COSMOS footprint (positions and weights of ../shared/data/cosmos_shear.fits,
#     its ellipticities turned at random): Gaussian skies (Wiener's posterior is exact there) and halo-model
#     skies, each with the model that held that family out;
#  4. the shipped default calibrated on all four families (40 maps per family and scale): default_cal.pt.
# Usage: bench/uncertainty/run.sh   Environment: BUILD (build/release), WORK (bench/work/uncertainty),
#   COSMOS (../shared/data/cosmos_shear.fits)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${BUILD:-$root/build/release}")
work=${WORK:-$root/bench/work/uncertainty}
cosmos=$(realpath "${COSMOS:-$root/../shared/data/cosmos_shear.fits}")
lofimap="$build/bin/lofimap"
coverage="$build/bin/lofimap-bench-coverage"
families=(gaussian lognormal halo-model lognormal-clusters)
cd "$work"
uptime
calibrate() {  # held-out family
  local sets=()
  for f in "${families[@]}"; do [ "$f" = "$1" ] || sets+=(cal_"$f"_p1.h5 cal_"$f"_p05.h5 cal_"$f"_p029.h5); done
  [ -s "lofo_$1_cal.pt" ] || /usr/bin/time -f "calibration of lofo_$1: %e s" "$lofimap" -q --threads 1 calibrate \
    --model "lofo_$1.pt" --calibration-set "${sets[@]}" --maps 60 -o "lofo_$1_cal.pt" > "calibration_$1.txt" 2>&1
}
calibrate gaussian & a=$!; calibrate lognormal; wait $a
calibrate halo-model & a=$!; calibrate lognormal-clusters; wait $a
jobs_file=$(mktemp)
for f in "${families[@]}"; do
  for p in 1 029; do
    for n in 10 30 70; do
      out=coverage_${f}_p${p}_n$n.txt
      [ -s "$out" ] || echo "$coverage lofo_${f}_cal.pt test_${f}_p${p}_n$n.h5 50 32 > $out 2>&1" >> "$jobs_file"
    done
  done
done
# Through the COSMOS footprint at 0.5' (fiducial cosmology, 50 maps each).
for f in gaussian halo-model; do
  [ -s "cosmos_$f.h5" ] || "$lofimap" -q simulate training-set --family "$f" --footprint "$cosmos" --preset cosmos \
    --maps 50 --npix 128 --pixel 0.5 --masked-fraction 0 --seed 77 -o "cosmos_$f.h5"
  [ -s "coverage_cosmos_$f.txt" ] ||
    echo "$coverage lofo_${f}_cal.pt cosmos_$f.h5 50 32 > coverage_cosmos_$f.txt 2>&1" >> "$jobs_file"
done
start=$(date +%s)
xargs -P 2 -I{} bash -c {} < "$jobs_file"
echo "coverage runs: $(( $(date +%s) - start )) s"
rm -f "$jobs_file"
sets=()
for f in "${families[@]}"; do sets+=(cal_"$f"_p1.h5 cal_"$f"_p05.h5 cal_"$f"_p029.h5); done
[ -s default_cal.pt ] || /usr/bin/time -f "calibration of the default: %e s" "$lofimap" -q calibrate \
  --model "$root/models/weights/default.pt" --calibration-set "${sets[@]}" --maps 40 -o default_cal.pt \
  > calibration_default.txt 2>&1
# The calibrated default on held-out maps of its own training families (calibrated on other maps of them).
for t in test_halo-model_p029_n30 test_lognormal_p1_n30 cosmos_halo-model; do
  [ -s "coverage_default_$t.txt" ] || "$coverage" default_cal.pt "$t.h5" 50 32 > "coverage_default_$t.txt" 2>&1
done
for f in calibration_*.txt coverage_*.txt; do echo "== $f"; cat "$f"; done
# 5. Null and cost: every ellipticity turned by 45 degrees (pure B) in a simulated lognormal catalogue (176^2 of
#    0.5', n_gal 30) and in the real COSMOS catalogue (square 176^2 grid of 0.5' about its centre, whose own
#    B modes become E): KS (analytic noise) and Wiener (noise from 50 rotated catalogues) std(SNR), LoFi's
#    fraction of |KAPPA / KAPPA_STD| > 5; the time of a map with and without --intervals.
"$lofimap" -q simulate catalogue --npix 176 --pixel 0.5 --density 30 --lambda 0.02 --seed 9 -o null_sim.fits \
  --overwrite --no-png
/usr/bin/python3 - "$cosmos" <<'PY'
import sys
from astropy.io import fits
for src, dst in ((sys.argv[1], "cosmos_rotated.fits"), ("null_sim.fits", "sim_rotated.fits")):
    with fits.open(src) as f:
        d = f[1].data
        a, b = d["E1"].copy(), d["E2"].copy()
        d["E1"], d["E2"] = -b, a
        f.writeto(dst, overwrite=True)
PY
"$lofimap" -q simulate cl -o cl_planck_z1.txt --overwrite
for cat in sim cosmos; do
  if [ $cat = cosmos ]; then grid=(--preset cosmos --npix 176 --pixel 0.5); else grid=(--npix 176 --pixel 0.5 --center 0 0); fi
  "$lofimap" -q ks -i ${cat}_rotated.fits "${grid[@]}" --wiener cl_planck_z1.txt --noise-realisations 50 \
    -o null_ks_$cat.fits --overwrite --no-png
  "$lofimap" -q map -i ${cat}_rotated.fits "${grid[@]}" --model default_cal.pt --intervals -o null_lofi_$cat.fits \
    --overwrite --no-png
done
grid=(--preset cosmos --npix 176 --pixel 0.5)
for k in 10 30 100; do
  "$lofimap" -q ks -i "$cosmos" "${grid[@]}" --noise-realisations $k --noise-seed $((k + 5)) -o noise_k$k.fits \
    --overwrite --no-png
done
"$lofimap" -q ks -i "$cosmos" "${grid[@]}" -o noise_analytic.fits --overwrite --no-png
/usr/bin/python3 - <<'PY'
import numpy as np
from astropy.io import fits
for cat in ("sim", "cosmos"):
    ks = fits.open(f"null_ks_{cat}.fits")
    m = ks["MASK"].data > 0
    print("null (%s turned by 45 deg): KS std(SNR) %.3f (rotations, K = 50)" % (cat, np.nanstd(ks["SNR"].data[m])))
    w = ks["KAPPA_WIENER"].data / ks["KAPPA_WIENER_NOISE"].data
    print("null (%s): Wiener std(KAPPA_WIENER / KAPPA_WIENER_NOISE) %.3f" % (cat, np.nanstd(w[m])))
    lofi = fits.open(f"null_lofi_{cat}.fits")
    s = lofi["KAPPA"].data / lofi["KAPPA_STD"].data
    s = s[np.isfinite(s)]
    print("null (%s): LoFi |KAPPA / KAPPA_STD| > 5 in %d of %d pixels (Gaussian: %.2g); > 3 in %.4f "
          "(Gaussian 0.0027); std %.3f" % (cat, (np.abs(s) > 5).sum(), s.size, 5.7e-7 * s.size,
                                          np.mean(np.abs(s) > 3), np.std(s)))
a = fits.open("noise_analytic.fits")["NOISE_STD"].data
for k in (10, 30, 100):
    r = (fits.open(f"noise_k{k}.fits")["NOISE_STD"].data / a)[m]
    print("noise map from K = %d rotations / analytic: mean %.4f, pixel spread %.4f (1/sqrt(2(K-1)) = %.4f)"
          % (k, np.mean(r), np.std(r), 1 / np.sqrt(2 * (k - 1))))
PY
for i in 1 2 3; do
  /usr/bin/time -f "map: %e s" "$lofimap" -q map -i "$cosmos" "${grid[@]}" --model default_cal.pt -o cost_plain.fits \
    --overwrite --no-png
  /usr/bin/time -f "map --intervals: %e s" "$lofimap" -q map -i "$cosmos" "${grid[@]}" --model default_cal.pt \
    --intervals -o cost_intervals.fits --overwrite --no-png
done
# 6. Cost at the published network size: a published-size model after one training step, calibrated on 4 maps
#    (the interval's cost does not depend on what the calibration holds), timed as above.
[ -s published_1step.pt ] || "$lofimap" -q train --training-set cal_gaussian_p1.h5 -o published_1step.pt \
  --model-size published --wiener-channel --steps 1 --validation-maps 2 --overwrite > /dev/null
[ -s published_cal.pt ] || "$lofimap" -q calibrate --model published_1step.pt --calibration-set cal_gaussian_p1.h5 \
  --maps 4 --density-cells 1 -o published_cal.pt > /dev/null
for i in 1 2; do
  /usr/bin/time -f "published map: %e s" "$lofimap" -q map -i "$cosmos" "${grid[@]}" --model published_cal.pt \
    -o cost_plain.fits --overwrite --no-png
  /usr/bin/time -f "published map --intervals: %e s" "$lofimap" -q map -i "$cosmos" "${grid[@]}" \
    --model published_cal.pt --intervals -o cost_intervals.fits --overwrite --no-png
done
# 7. Cost of the Wiener posterior (32 draws by default): ks --wiener with and without --intervals on COSMOS.
for i in 1 2; do
  /usr/bin/time -f "ks --wiener: %e s" "$lofimap" -q ks -i "$cosmos" "${grid[@]}" --wiener cl_planck_z1.txt \
    -o cost_wiener.fits --overwrite --no-png
  /usr/bin/time -f "ks --wiener --intervals: %e s" "$lofimap" -q ks -i "$cosmos" "${grid[@]}" \
    --wiener cl_planck_z1.txt --intervals -o cost_wiener_intervals.fits --overwrite --no-png
done
