#!/usr/bin/env bash
# A survey-specific LoFi for COSMOS (../shared/data/cosmos_shear.fits): trained on halo-model skies observed
# through the catalogue's own footprint (its positions, weights and rotated ellipticities; random cut-outs at
# 0.5' and 0.29'), judged on held-out halo-model skies through the same footprint (fiducial cosmology) against
# KS at its best smoothing and the Wiener filter, next to the shipped model; then the real COSMOS mass map from
# KS, Wiener and LoFi side by side (PNG) with their B-mode levels (the same estimators fed the catalogue with
# every ellipticity turned by 45 degrees).
# Usage: bench/lofi/cosmos_footprint.sh [steps] [train args...]   (e.g. 3000 --wiener-channel)
# Environment: BUILD (default build/release), WORK (default bench/work/cosmos), ARM (label, default "noise").
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
steps=${1:-3000}
shift $(( $# >= 1 ? 1 : 0 ))
build=$(realpath "${BUILD:-$root/build/release}")
work=${WORK:-$root/bench/work/cosmos}
arm=${ARM:-noise}
catalogue=$(realpath "$root/../shared/data/cosmos_shear.fits")
lofimap="$build/bin/lofimap"
py=/usr/bin/python3
mkdir -p "$work" && cd "$work"
ranges=(--sigma8-range 0.75 0.88 --omega-m-range 0.27 0.35 --z-source-range 0.8 1.4)
for p in 0.5 0.29; do
  tag=$(echo "$p" | tr -d .)
  [ -s "train_p$tag.h5" ] || "$lofimap" -q simulate training-set --family halo-model "${ranges[@]}" --maps 900 \
    --npix 128 --pixel "$p" --footprint "$catalogue" --preset cosmos --seed "9$tag" -o "train_p$tag.h5"
  [ -s "test_p$tag.h5" ] || "$lofimap" -q simulate training-set --family halo-model --maps 50 --npix 128 \
    --pixel "$p" --footprint "$catalogue" --preset cosmos --seed "19$tag" -o "test_p$tag.h5"
  [ -s "sel_p$tag.h5" ] || "$lofimap" -q simulate training-set --family halo-model --maps 20 --npix 128 \
    --pixel "$p" --footprint "$catalogue" --preset cosmos --seed "29$tag" -o "sel_p$tag.h5"
done
model="cosmos_${arm}.pt"
if [ ! -s "$model" ]; then
  /usr/bin/time -f "training: %e s, peak RSS %M KiB" "$lofimap" --threads 1 train --training-set train_p05.h5 \
    train_p029.h5 -o "$model" --model-size compact --steps "$steps" --maps-per-step 16 --coords-per-map 512 \
    --lr 2e-3 --validate-every 500 --checkpoint-every 500 --validation-maps 20 --overwrite "$@" 2>&1 | tail -3
fi
for p in 0.5 0.29; do
  tag=p$(echo "$p" | tr -d .)
  for m in "$model" "$root/models/weights/default.pt"; do
    label=$(basename "$m" .pt)_$tag
    echo "== held-out halo-model skies through the COSMOS footprint, $tag, model $(basename "$m")"
    "$build/bin/lofimap-bench-lofi-quality" "$m" "sel_$tag.h5" "test_$tag.h5" 50 "$label" --no-resolution \
      2>"$label.log" | tee "$label.txt"
  done
done

# The real COSMOS map on a square 0.5' grid over the footprint (Wiener needs a square patch).
read -r ra dec < <($py -c "
from astropy.io import fits; import numpy as np
d = fits.open('$catalogue')[1].data
r, c = np.radians(d['RA']), np.radians(d['DEC'])
v = np.array([np.cos(c) * np.cos(r), np.cos(c) * np.sin(r), np.sin(c)]).mean(axis=1)
print(np.degrees(np.arctan2(v[1], v[0])) % 360, np.degrees(np.arcsin(v[2] / np.linalg.norm(v))))")
grid=(--center "$ra" "$dec" --npix 176 --pixel 0.5)
$py - "$catalogue" <<'PY'
import sys
from astropy.io import fits
h = fits.open(sys.argv[1])
t = h[1].data.copy()
e1, e2 = t['E1'].copy(), t['E2'].copy()
t['E1'], t['E2'] = -e2, e1  # every ellipticity turned by 45 degrees: E signal -> B
fits.BinTableHDU(t, header=h[1].header).writeto('cosmos_rotated.fits', overwrite=True)
PY
"$lofimap" -q simulate cl -o prior_cl.txt --lmin 5 --lmax 3e5 --overwrite
sigma=$("$lofimap" ks-smoothing --training-set sel_p05.h5 -o ks_choice.json --overwrite >/dev/null 2>&1;
        $py -c "import json; print(json.load(open('ks_choice.json'))['best_sigma_arcmin'])")
for input in cosmos rotated; do
  cat_file=$catalogue
  [ "$input" = rotated ] && cat_file=cosmos_rotated.fits
  "$lofimap" -q ks -i "$cat_file" --preset cosmos "${grid[@]}" --smooth "$sigma" -o "${input}_ks.fits" --no-png --overwrite
  "$lofimap" -q ks -i "$cat_file" --preset cosmos "${grid[@]}" --wiener prior_cl.txt -o "${input}_wiener.fits" --no-png --overwrite
  "$lofimap" -q map -i "$cat_file" --preset cosmos "${grid[@]}" --model "$model" -o "${input}_lofi.fits" --no-png --overwrite
done
$py - "$sigma" <<'PY'
import sys
import numpy as np
from astropy.io import fits
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
sigma = float(sys.argv[1])
def read(name, hdu):
    return fits.open(name)[hdu].data.astype(float)
inside = read("cosmos_ks.fits", "NGAL") > 0
maps = {"KS (sigma %.2f')" % sigma: ("ks", "KAPPA_E"), "Wiener": ("wiener", "KAPPA_WIENER"), "LoFi": ("lofi", "KAPPA")}
fig, axes = plt.subplots(1, 3, figsize=(15, 5))
print("map                       rms E (inside)  rms E of the 45-degree-turned catalogue (B level)  ratio")
for ax, (title, (stem, hdu)) in zip(axes, maps.items()):
    e = read("cosmos_%s.fits" % stem, hdu)
    b = read("rotated_%s.fits" % stem, hdu)
    rms_e, rms_b = np.std(e[inside]), np.std(b[inside])
    print("%-25s %.5f         %.5f                                            %.2f" % (title, rms_e, rms_b, rms_e / rms_b))
    shown = np.where(inside, e, np.nan)
    im = ax.imshow(shown, origin="lower", cmap="RdBu_r", vmin=-3 * rms_e, vmax=3 * rms_e)
    ax.set_title("%s: E rms %.4f, B level %.4f" % (title, rms_e, rms_b))
    ax.invert_xaxis()  # East left
    fig.colorbar(im, ax=ax, shrink=0.8)
fig.suptitle("COSMOS mass map, 0.5' pixels (North up, East left)")
fig.tight_layout()
fig.savefig("cosmos_ks_wiener_lofi.png", dpi=90)
print("wrote cosmos_ks_wiener_lofi.png")
PY
