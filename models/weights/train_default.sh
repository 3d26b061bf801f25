#!/usr/bin/env bash
# Regenerates the shipped default model. It is the previous default (hash 0fa164b97790a34c, trained on the four
# analytic families; `git show 07efa00:models/weights/default.pt`, whose sets and 5,500 steps from scratch
# `git show 07efa00:models/weights/train_default.sh` makes) trained on from its weights with the particle-mesh
# family in the mix:
#   three sets of 600 maps mixing all five sky families (gaussian, lognormal, halo-model, lognormal-clusters,
#   particle-mesh; map i is of family i mod 5, 50 particle-mesh cones per 256 Mpc box of 128^3 particles) with
#   sigma8 0.75-0.88, Omega_m 0.27-0.35, z_s 0.8-1.4 and lambda 0.01-0.04 drawn per map (per box for the
#   particle-mesh cosmology), n_gal 5-80 per arcmin^2, sigma_e 0.25-0.31, 10% star masks, at 1' (128^2: 128'
#   fields), 0.5' (128^2: 64') and 0.25' (128^2: 32'; 256^2 sets, as the previous default's, cost 4x with
#   particle-mesh cones in them); then STEPS steps (default 2,000) of the same medium LoFi
#   with the noise and Wiener channels on all three (each batch of 16 maps from one set), starting from the
#   previous weights with a fresh Adam and a cosine schedule from LR (default 5e-4).
# REHEARSAL=1 (an experiment, not the shipped model; bench/README.md, "The shipped default"): the previous
# default's own three sets (1,200 maps of the four analytic families, seeds 8101/8105/8125; 1' at 128^2, 0.5' and
# 0.25' at 256^2) are remade and trained on beside the three above. Each batch comes from one of the six sets,
# drawn uniformly, so particle-mesh maps are 1/10 of the batches and Gaussian skies 9/40 (1/4 in the previous
# default's training, 1/5 without the rehearsal).
# GAUSSIAN_SHARE=X with REHEARSAL=1 (an experiment too): three sets of 300 Gaussian skies (1' at 128^2, 0.5' and
# 0.25' at 256^2, seeds 8401/8405/8425) join the six, and --set-weights draws batches so that Gaussian skies are
# X of them (0.225 to 0.6) while particle-mesh cones stay 1/10: the mixes get half of the batches, the
# rehearsal sets 1/2 - g and the Gaussian sets g = (X - 0.225) / 0.75, each split evenly over its three sets.
# Times on the 2-core VM are in models/weights/README.md.
# Usage: [REHEARSAL=1 [GAUSSIAN_SHARE=X]] models/weights/train_default.sh [build dir] [work dir] [steps] [ranks] [lr]
#   (writes WORK/default.pt; copy it to models/weights/default.pt)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
work=${2:-$root/bench/work/default3}
steps=${3:-2000}
ranks=${4:-2}
lr=${5:-5e-4}
mkdir -p "$work"
build=$(realpath "$build")
cd "$work"
lofimap="$build/bin/lofimap"
[ -s previous_default.pt ] || git -C "$root" show 07efa00:models/weights/default.pt >previous_default.pt
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ranges=(--sigma8-range 0.75 0.88 --omega-m-range 0.27 0.35 --z-source-range 0.8 1.4 --lambda 0.01 0.04)
make_set() {  # families maps pixel npix seed output
  [ -s "$6" ] || /usr/bin/time -f "$6: %e s, peak RSS %M KiB per rank" \
    mpirun -np "$ranks" --oversubscribe -x LD_LIBRARY_PATH "$lofimap" -q simulate training-set --family "$1" \
    "${ranges[@]}" --maps "$2" --npix "$4" --pixel "$3" --density 5 80 --sigma-e 0.25 0.31 --masked-fraction 0.1 \
    --seed "$5" -o "$6"
}
analytic=gaussian,lognormal,halo-model,lognormal-clusters
sets=()
if [ "${REHEARSAL:-0}" = 1 ]; then
  make_set "$analytic" 1200 1 128 8101 rehearsal_p1.h5
  make_set "$analytic" 1200 0.5 256 8105 rehearsal_p05.h5
  make_set "$analytic" 1200 0.25 256 8125 rehearsal_p025.h5
  sets+=(rehearsal_p1.h5 rehearsal_p05.h5 rehearsal_p025.h5)
fi
make_set "$analytic,particle-mesh" 600 1 128 8201 train_p1.h5
make_set "$analytic,particle-mesh" 600 0.5 128 8205 train_p05.h5
make_set "$analytic,particle-mesh" 600 0.25 128 8225 train_p025.h5
sets+=(train_p1.h5 train_p05.h5 train_p025.h5)
weights=()
if [ -n "${GAUSSIAN_SHARE:-}" ]; then
  [ "${REHEARSAL:-0}" = 1 ] || { echo "GAUSSIAN_SHARE needs REHEARSAL=1" >&2; exit 2; }
  make_set gaussian 300 1 128 8401 gaussian_p1.h5
  make_set gaussian 300 0.5 256 8405 gaussian_p05.h5
  make_set gaussian 300 0.25 256 8425 gaussian_p025.h5
  sets+=(gaussian_p1.h5 gaussian_p05.h5 gaussian_p025.h5)
  # Gaussian share = rehearsal/4 + mixes/5 + gaussian, particle-mesh share = mixes/5 = 1/10.
  read -r r m g < <(awk -v x="$GAUSSIAN_SHARE" 'BEGIN { g = (x - 0.225) / 0.75;
    if (g < 0 || g > 0.5) { print "GAUSSIAN_SHARE must lie in [0.225, 0.6]" > "/dev/stderr"; exit 2 }
    printf "%.6f %.6f %.6f\n", (0.5 - g) / 3, 0.5 / 3, g / 3 }')
  weights=(--set-weights "$r" "$r" "$r" "$m" "$m" "$m" "$g" "$g" "$g")
fi
/usr/bin/time -f "training: %e s, peak RSS %M KiB" "$lofimap" --threads 1 train --training-set "${sets[@]}" \
  "${weights[@]}" -o default.pt --init-weights previous_default.pt --model-size medium --wiener-channel --steps "$steps" \
  --maps-per-step 16 --coords-per-map 512 --lr "$lr" --validate-every 250 --checkpoint-every 250 \
  --validation-maps 20 --overwrite
