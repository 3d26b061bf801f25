#!/usr/bin/env bash
# LoFi quality across depths and pixel scales: for each pixel scale (1', 0.5', 0.25') and depth (n_gal 5, 30,
# 60 per arcmin^2; sigma_e 0.26; 10% masked) a held-out test set of 50 maps and a 20-map set at the same
# setting on which the KS smoothing is chosen; then lofimap-bench-lofi-quality with the given model (LoFi, KS at
# its chosen smoothing, Wiener with the true C_ell). Resolution tests only at n_gal 30.
# Usage: bench/lofi/depths_and_scales.sh MODEL [build dir] [work dir] [label]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
model=$1
build=${2:-$root/build/release}
work=${3:-$root/bench/work/cross}
label=${4:-$(basename "$model" .pt)}
mkdir -p "$work"
model=$(realpath "$model") build=$(realpath "$build") work=$(realpath "$work")  # the loop runs inside $work
cd "$work"
seed=100
for p in 1 0.5 0.25; do
  for n in 5 30 60; do
    tag=p$(echo "$p" | tr -d .)_n$n
    seed=$((seed + 1))
    [ -s "test_$tag.h5" ] || "$build/bin/lofimap" -q simulate training-set --maps 50 --npix 128 --pixel "$p" \
      --lambda 0.02 --density "$n" --sigma-e 0.26 --masked-fraction 0.1 --seed "$seed" -o "test_$tag.h5"
    seed=$((seed + 1))
    [ -s "sel_$tag.h5" ] || "$build/bin/lofimap" -q simulate training-set --maps 20 --npix 128 --pixel "$p" \
      --lambda 0.02 --density "$n" --sigma-e 0.26 --masked-fraction 0.1 --seed "$((seed + 500))" -o "sel_$tag.h5"
    extra=--no-resolution
    [ "$n" = 30 ] && [ "$p" != 0.25 ] && extra=
    mkdir -p "${label}_$tag"
    echo "== $label $tag"
    "$build/bin/lofimap-bench-lofi-quality" "$model" "sel_$tag.h5" "test_$tag.h5" 50 "${label}_$tag" $extra \
      2>"${label}_$tag.log" | tee "${label}_$tag.txt"
  done
done
