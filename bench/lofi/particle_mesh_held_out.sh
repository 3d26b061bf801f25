#!/usr/bin/env bash
# A LoFi model on particle-mesh skies (a family the shipped default never saw in training): 50 test maps per cell
# at n_gal 10 / 30 / 70 and 1' / 0.5' / 0.29' pixels (128^2, Planck 2015 / TNG at z_s = 1, sigma_e 0.26, 10%
# star masks, 50 cones per box), judged by lofimap-bench-lofi-quality against KS at its best smoothing (chosen on
# 20 other maps of the cell) and the Wiener filter with the true C_ell and per-pixel noise, paired by map.
# Usage: bench/lofi/particle_mesh_held_out.sh MODEL [label] [build dir] [work dir]
# Environment: PIXELS, the pixel scales to run (default "0.29 0.5 1"; each cell keeps its seed whichever run).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
model=$(realpath "$1")
label=${2:-$(basename "$model" .pt)}
build=$(realpath "${3:-$root/build/release}")
work=${4:-$root/bench/work/lofo/particle-mesh}
lofimap="$build/bin/lofimap"
mkdir -p "$work" && cd "$work"
seed=900
for p in 0.29 0.5 1; do
  for n in 10 30 70; do
    tag=p$(echo "$p" | tr -d .)_n$n
    seed=$((seed + 1))
    [[ " ${PIXELS:-0.29 0.5 1} " == *" $p "* ]] || continue
    common=(--family particle-mesh --npix 128 --pixel "$p" --density "$n" --sigma-e 0.26 --masked-fraction 0.1)
    [ -s "test_$tag.h5" ] || "$lofimap" -q simulate training-set "${common[@]}" --maps 50 --seed "$seed" -o "test_$tag.h5"
    [ -s "sel_$tag.h5" ] || "$lofimap" -q simulate training-set "${common[@]}" --maps 20 --seed "$((seed + 500))" \
      -o "sel_$tag.h5"
    mkdir -p "${label}_$tag"
    echo "== particle-mesh held out, $label, $tag"
    "$build/bin/lofimap-bench-lofi-quality" "$model" "sel_$tag.h5" "test_$tag.h5" 50 "${label}_$tag" --no-resolution \
      2>"${label}_$tag.log" | tee "${label}_$tag.txt" | sed -n "3,5p;7p"
  done
done
