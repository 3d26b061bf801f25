#!/usr/bin/env bash
# The shipped default's quality table (bench/README.md, "The shipped default"): lofimap-bench-lofi-quality
# (LoFi, KS at the smoothing chosen on 20 other maps, the Wiener filter with the true C_ell) on the nine
# lognormal test sets of bench/lofi/depths_and_scales.sh and on four sets of the leave-one-family-out runs
# (halo-model at 0.29' n_gal 70, 0.5' n_gal 30, 1' n_gal 10; Gaussian at 0.5' n_gal 30). Run those scripts
# first: they make the sets (the seeds live there). Prints each cell's three estimators and LoFi minus Wiener
# paired by map; the full outputs go next to the sets as LABEL_*.txt.
# Usage: bench/lofi/default_quality.sh MODEL [label] [build dir] [cross work dir] [lofo work dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
model=$(realpath "$1")
label=${2:-$(basename "$model" .pt)}
quality=$(realpath "${3:-$root/build/release}")/bin/lofimap-bench-lofi-quality
cross=${4:-$root/bench/work/cross}
lofo=${5:-$root/bench/work/lofo}
cells=()
for p in 1 05 025; do for n in 5 30 60; do cells+=("$cross p${p}_n$n"); done; done
for c in halo-model:p029_n70 halo-model:p05_n30 halo-model:p1_n10 gaussian:p05_n30; do
  cells+=("$lofo/${c%%:*} ${c#*:}")
done
for cell in "${cells[@]}"; do
  read -r dir tag <<<"$cell"
  for set in "$dir/test_$tag.h5" "$dir/sel_$tag.h5"; do
    [ -s "$set" ] || { echo "$set is missing: run depths_and_scales.sh / leave_one_family_out.sh first" >&2; exit 2; }
  done
  mkdir -p "$dir/${label}_$tag"
  "$quality" "$model" "$dir/sel_$tag.h5" "$dir/test_$tag.h5" 50 "$dir/${label}_$tag" --no-resolution \
    2>"$dir/${label}_$tag.log" >"$dir/${label}_$tag.txt"
  echo "== $(basename "$dir") $tag"
  sed -n "3,5p;7p" "$dir/${label}_$tag.txt"
done
