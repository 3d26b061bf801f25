#!/usr/bin/env bash
# The shipped default's quality table (bench/README.md, "The shipped default"): lofimap-bench-lofi-quality
# (LoFi, KS at the smoothing chosen on 20 other maps, the Wiener filter with the true C_ell) on the nine
# lognormal test sets of bench/lofi/depths_and_scales.sh and on four sets of the leave-one-family-out runs
# (halo-model at 0.29' n_gal 70, 0.5' n_gal 30, 1' n_gal 10; Gaussian at 0.5' n_gal 30). A missing set is made
# here with the seed those scripts give it (so the sets are the same whichever script made them). Prints each
# cell's three estimators and LoFi minus Wiener paired by map; the full outputs go next to the sets as
# LABEL_*.txt.
# Usage: bench/lofi/default_quality.sh MODEL [label] [build dir] [cross work dir] [lofo work dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
model=$(realpath "$1")
label=${2:-$(basename "$model" .pt)}
build=$(realpath "${3:-$root/build/release}")
quality=$build/bin/lofimap-bench-lofi-quality
cross=${4:-$root/bench/work/cross}
lofo=${5:-$root/bench/work/lofo}
# Cells: directory, tag, family, pixel, n_gal, seed of the test set, seed of the KS-selection set.
cells=()
k=0
for p in 1 0.5 0.25; do
  for n in 5 30 60; do  # depths_and_scales.sh: seeds 101, 103, ... for the tests, +501 for the selections
    cells+=("$cross p$(echo "$p" | tr -d .)_n$n lognormal $p $n $((101 + 2 * k)) $((602 + 2 * k))")
    k=$((k + 1))
  done
done
# leave_one_family_out.sh: seed 401 + j for cell j of (1', 0.5', 0.29') x (n_gal 10, 30, 70), +500 to select
for c in halo-model:0.29:70:8 halo-model:0.5:30:4 halo-model:1:10:0 gaussian:0.5:30:4; do
  IFS=: read -r family p n j <<<"$c"
  cells+=("$lofo/$family p$(echo "$p" | tr -d .)_n$n $family $p $n $((401 + j)) $((901 + j))")
done
for cell in "${cells[@]}"; do
  read -r dir tag family p n test_seed sel_seed <<<"$cell"
  mkdir -p "$dir"
  for set in "test:50:$test_seed" "sel:20:$sel_seed"; do
    IFS=: read -r kind maps seed <<<"$set"
    [ -s "$dir/${kind}_$tag.h5" ] || "$build/bin/lofimap" -q simulate training-set --family "$family" --lambda 0.02 \
      --maps "$maps" --npix 128 --pixel "$p" --density "$n" --sigma-e 0.26 --masked-fraction 0.1 --seed "$seed" \
      -o "$dir/${kind}_$tag.h5"
  done
  mkdir -p "$dir/${label}_$tag"
  "$quality" "$model" "$dir/sel_$tag.h5" "$dir/test_$tag.h5" 50 "$dir/${label}_$tag" --no-resolution \
    2>"$dir/${label}_$tag.log" >"$dir/${label}_$tag.txt"
  echo "== $(basename "$dir") $tag"
  sed -n "3,5p;7p" "$dir/${label}_$tag.txt"
done
