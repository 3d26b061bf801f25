#!/usr/bin/env bash
# Leave-one-family-out models and data for the coverage benchmark (bench/uncertainty/run.sh).
# For each sky family F (gaussian, lognormal, halo-model, lognormal-clusters):
#   - training sets: 300 maps of 128^2 per family at 1', 0.5', 0.25' (sigma8 0.75-0.88, Omega_m 0.27-0.35,
#     z_s 0.8-1.4, lambda 0.01-0.04, n_gal 5-80, sigma_e 0.25-0.31, 10% star masks);
#   - calibration sets: 100 maps per family at 1', 0.5', 0.29' with the same ranges and other seeds;
#   - test sets: 50 maps per family at 1' and 0.29', n_gal 10 / 30 / 70, sigma_e 0.26, 10% masks, at the fiducial
#     cosmology (Planck 2015 / TNG, z_s = 1, lambda 0.02) so that the Wiener prior is exact;
#   - a compact LoFi with the noise and Wiener channels trained on the other three families' sets (STEPS steps
#     of 16 maps, one core each, two trainings at a time), lofo_F.pt.
# Usage: bench/uncertainty/make_models.sh [steps]   Environment: BUILD (build/release), WORK (bench/work/uncertainty)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
steps=${1:-2000}
build=$(realpath "${BUILD:-$root/build/release}")
work=${WORK:-$root/bench/work/uncertainty}
lofimap="$build/bin/lofimap"
families=(gaussian lognormal halo-model lognormal-clusters)
mkdir -p "$work" && cd "$work"
ranges=(--sigma8-range 0.75 0.88 --omega-m-range 0.27 0.35 --z-source-range 0.8 1.4 --lambda 0.01 0.04)
# Every set is one command line; two run at a time (a set with drawn cosmologies computes each map's C_ell).
jobs_file=$(mktemp)
add() { local out=${*: -1}; [ -s "$out" ] || printf '%q ' "$lofimap" -q simulate training-set "$@" >> "$jobs_file" && echo >> "$jobs_file"; }
seed=9000
for f in "${families[@]}"; do
  for p in 1 0.5 0.25; do
    seed=$((seed + 1))
    add --family "$f" "${ranges[@]}" --maps 300 --npix 128 --pixel "$p" --density 5 80 --sigma-e 0.25 0.31 \
      --masked-fraction 0.1 --seed "$seed" -o "train_${f}_p$(echo $p | tr -d .).h5"
  done
  for p in 1 0.5 0.29; do
    seed=$((seed + 1))
    add --family "$f" "${ranges[@]}" --maps 100 --npix 128 --pixel "$p" --density 5 80 --sigma-e 0.25 0.31 \
      --masked-fraction 0.1 --seed "$seed" -o "cal_${f}_p$(echo $p | tr -d .).h5"
  done
  for p in 1 0.29; do
    for n in 10 30 70; do
      seed=$((seed + 1))
      add --family "$f" --lambda 0.02 --maps 50 --npix 128 --pixel "$p" --density "$n" --sigma-e 0.26 \
        --masked-fraction 0.1 --seed "$seed" -o "test_${f}_p$(echo $p | tr -d .)_n$n.h5"
    done
  done
done
grep -v '^$' "$jobs_file" | xargs -P 2 -I{} bash -c {} || true
rm -f "$jobs_file"
echo "sets made: $(date)"
train() {  # held-out family
  local sets=()
  for f in "${families[@]}"; do [ "$f" = "$1" ] || sets+=(train_"$f"_p1.h5 train_"$f"_p05.h5 train_"$f"_p025.h5); done
  [ -s "lofo_$1.pt" ] || /usr/bin/time -f "lofo_$1: %e s, peak RSS %M KiB" "$lofimap" -q --threads 1 train \
    --training-set "${sets[@]}" -o "lofo_$1.pt" --model-size compact --wiener-channel --steps "$steps" \
    --maps-per-step 16 --coords-per-map 512 --lr 2e-3 --validate-every 500 --checkpoint-every 500 \
    --validation-maps 10 --overwrite > "lofo_$1.train.txt" 2>&1
}
train gaussian & a=$!
train lognormal
wait $a
train halo-model & a=$!
train lognormal-clusters
wait $a
echo "models trained: $(date)"
