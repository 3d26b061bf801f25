#!/usr/bin/env bash
# Leave-one-family-out: a LoFi (compact unless MODEL_SIZE says otherwise) trained on every sky family but
# HELD_OUT (mixed-family batches: maps of each set cycle through the families; three pixel scales 1', 0.5',
# 0.25'; n_gal 5-80, sigma_e 0.25-0.31, sigma8 0.75-0.88, Omega_m 0.27-0.35, z_s 0.8-1.4, lambda 0.01-0.04; 10%
# star masks), then judged on 50 held-out maps of HELD_OUT at n_gal 10 / 30 / 70 and 1' / 0.5' / 0.29' pixels
# against KS at its best smoothing and the Wiener filter (true C_ell of the fiducial cosmology, per-pixel
# noise), by lofimap-bench-lofi-quality.
# Test skies are drawn at the fiducial cosmology (Planck 2015 / TNG, z_s = 1) so that the Wiener prior is exact.
# Particle-mesh skies: held out (HELD_OUT particle-mesh), the model trains on the four analytic families and is
# judged on the cells and sets of bench/lofi/particle_mesh_held_out.sh (its seeds, 128^2 cones of Planck 2015 /
# TNG at z_s = 1); with WITH_PARTICLE_MESH=1 another family is held out and particle-mesh cones join the training
# families (50 cones per box; a 900-map set then costs minutes per box instead of seconds).
# Usage: bench/lofi/leave_one_family_out.sh HELD_OUT [steps] [train args...]
#   HELD_OUT: gaussian | lognormal | halo-model | lognormal-clusters | particle-mesh; steps default 3000 (~25 min
#   on one core); extra train args select the arm of the ablation (e.g. --no-noise-channel).
# Environment: BUILD (default build/release), WORK (default bench/work/lofo), ARM (label, default "noise"),
#   MODEL_SIZE (compact, medium or published; default compact), WITH_PARTICLE_MESH (0 or 1, default 0).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
held_out=$1
steps=${2:-3000}
shift $(( $# >= 2 ? 2 : 1 ))
build=$(realpath "${BUILD:-$root/build/release}")
work=${WORK:-$root/bench/work/lofo}
arm=${ARM:-noise}
lofimap="$build/bin/lofimap"
candidates=(gaussian lognormal halo-model lognormal-clusters)
if [ "$held_out" = particle-mesh ]; then
  [ "${WITH_PARTICLE_MESH:-0}" = 0 ] || { echo "WITH_PARTICLE_MESH=1 with particle-mesh held out" >&2; exit 2; }
elif [ "${WITH_PARTICLE_MESH:-0}" = 1 ]; then
  candidates+=(particle-mesh)
  with=_with_pm  # the model and its training sets; the test sets stay shared
fi
families=()
for f in "${candidates[@]}"; do [ "$f" = "$held_out" ] || families+=("$f"); done
[ ${#families[@]} -lt ${#candidates[@]} ] || [ "$held_out" = particle-mesh ] ||
  { echo "unknown family '$held_out'" >&2; exit 2; }
family_list=$(IFS=,; echo "${families[*]}")
mkdir -p "$work/$held_out" && cd "$work/$held_out"
ranges=(--sigma8-range 0.75 0.88 --omega-m-range 0.27 0.35 --z-source-range 0.8 1.4 --lambda 0.01 0.04)
for p in 1 0.5 0.25; do
  tag=$(echo "$p" | tr -d .)
  [ -s "train_p$tag${with:-}.h5" ] || "$lofimap" -q simulate training-set --family "$family_list" "${ranges[@]}" \
    --maps 900 --npix 128 --pixel "$p" --density 5 80 --sigma-e 0.25 0.31 --masked-fraction 0.1 --seed "7$tag" \
    -o "train_p$tag${with:-}.h5"
done
model="lofo_${arm}${with:-}.pt"
arm=$arm${with:-}
if [ ! -s "$model" ]; then
  /usr/bin/time -f "training: %e s, peak RSS %M KiB" "$lofimap" --threads 1 train --training-set "train_p1${with:-}.h5" \
    "train_p05${with:-}.h5" "train_p025${with:-}.h5" -o "$model" --model-size "${MODEL_SIZE:-compact}" \
    --steps "$steps" --maps-per-step 16 --coords-per-map 512 --lr 2e-3 --validate-every 500 --checkpoint-every 500 --validation-maps 20 --overwrite "$@" \
    2>&1 | tail -3
fi
if [ "$held_out" = particle-mesh ]; then  # the particle-mesh cells have their own sets and seeds
  exec "$root/bench/lofi/particle_mesh_held_out.sh" "$model" "$arm" "$build" "$work/particle-mesh"
fi
seed=400
for p in 1 0.5 0.29; do
  for n in 10 30 70; do
    tag=p$(echo "$p" | tr -d .)_n$n
    seed=$((seed + 1))
    [ -s "test_$tag.h5" ] || "$lofimap" -q simulate training-set --family "$held_out" --lambda 0.02 --maps 50 --npix 128 \
      --pixel "$p" --density "$n" --sigma-e 0.26 --masked-fraction 0.1 --seed "$seed" -o "test_$tag.h5"
    [ -s "sel_$tag.h5" ] || "$lofimap" -q simulate training-set --family "$held_out" --lambda 0.02 --maps 20 --npix 128 \
      --pixel "$p" --density "$n" --sigma-e 0.26 --masked-fraction 0.1 --seed "$((seed + 500))" -o "sel_$tag.h5"
    mkdir -p "${arm}_$tag"
    echo "== held out $held_out, arm $arm, $tag"
    "$build/bin/lofimap-bench-lofi-quality" "$model" "sel_$tag.h5" "test_$tag.h5" 50 "${arm}_$tag" --no-resolution \
      2>"${arm}_$tag.log" | tee "${arm}_$tag.txt"
  done
done
