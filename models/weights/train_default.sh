#!/usr/bin/env bash
# Regenerates the shipped default model (hash d96372ec23242f70). It is the previous default (hash
# 0fa164b97790a34c, trained on the four analytic families; `git show 07efa00:models/weights/default.pt`, whose
# sets and 5,500 steps from scratch `git show 07efa00:models/weights/train_default.sh` makes) trained on from its
# weights with the particle-mesh family in the mix, on nine sets:
#   - three sets of 600 maps mixing all five sky families (gaussian, lognormal, halo-model, lognormal-clusters,
#     particle-mesh; map i is of family i mod 5, 50 particle-mesh cones per 256 Mpc box of 128^3 particles) at
#     1' (128^2: 128' fields), 0.5' (128^2: 64') and 0.25' (128^2: 32'; 256^2 sets cost 4x with particle-mesh
#     cones in them), seeds 8201/8205/8225;
#   - the previous default's own three sets (1,200 maps of the four analytic families; 1' at 128^2, 0.5' and
#     0.25' at 256^2; seeds 8101/8105/8125), so that it rehearses what it knew;
#   - three sets of 300 Gaussian skies (1' at 128^2, 0.5' and 0.25' at 256^2; seeds 8401/8405/8425);
#   all with sigma8 0.75-0.88, Omega_m 0.27-0.35, z_s 0.8-1.4 and lambda 0.01-0.04 drawn per map (per box for the
#   particle-mesh cosmology), n_gal 5-80 per arcmin^2, sigma_e 0.25-0.31, 10% star masks.
# --set-weights draws each batch of 16 maps from one set so that Gaussian skies are GAUSSIAN_SHARE of the batches
# (default 0.30; 0.225 to 0.6) and particle-mesh cones 1/10: the mixes get half of the batches, the rehearsal sets
# 1/2 - g and the Gaussian sets g = (GAUSSIAN_SHARE - 0.225) / 0.75, each split evenly over its three sets. On
# Gaussian skies the Wiener filter is the exact posterior mean; a smaller Gaussian share (0.2, 0.225) cost the
# model r there (bench/README.md, "The shipped default"). Then STEPS steps (default 2,000) of the same medium LoFi
# with the noise and Wiener channels, starting from the previous weights with a fresh Adam and a cosine schedule
# from LR (default 3e-4).
# REHEARSAL=0: the three mixes alone with equal chances (the default of 2026-12-05, hash 13d8b4912c126348, was
# this at LR 5e-4). GAUSSIAN_SHARE= (empty): the six sets with equal chances (Gaussian 9/40 of the batches).
# Times on the 2-core VM are in models/weights/README.md.
# Usage: [REHEARSAL=0|1] [GAUSSIAN_SHARE=X] models/weights/train_default.sh [build dir] [work dir] [steps] [ranks]
#   [lr]   (writes WORK/default.pt; copy it to models/weights/default.pt)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
work=${2:-$root/bench/work/default_train}
steps=${3:-2000}
ranks=${4:-2}
lr=${5:-3e-4}
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
[ "${REHEARSAL:-1}" = 1 ] || [ -z "${GAUSSIAN_SHARE:-}" ] ||
  { echo "GAUSSIAN_SHARE needs the rehearsal sets (REHEARSAL=1)" >&2; exit 2; }
analytic=gaussian,lognormal,halo-model,lognormal-clusters
sets=()
if [ "${REHEARSAL:-1}" = 1 ]; then
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
share=${GAUSSIAN_SHARE-0.30}
if [ -n "$share" ] && [ "${REHEARSAL:-1}" = 1 ]; then
  make_set gaussian 300 1 128 8401 gaussian_p1.h5
  make_set gaussian 300 0.5 256 8405 gaussian_p05.h5
  make_set gaussian 300 0.25 256 8425 gaussian_p025.h5
  sets+=(gaussian_p1.h5 gaussian_p05.h5 gaussian_p025.h5)
  # Gaussian share = rehearsal/4 + mixes/5 + gaussian, particle-mesh share = mixes/5 = 1/10.
  read -r r m g < <(awk -v x="$share" 'BEGIN { g = (x - 0.225) / 0.75;
    if (g < 0 || g > 0.5) { print "GAUSSIAN_SHARE must lie in [0.225, 0.6]" > "/dev/stderr"; exit 2 }
    printf "%.6f %.6f %.6f\n", (0.5 - g) / 3, 0.5 / 3, g / 3 }')
  weights=(--set-weights "$r" "$r" "$r" "$m" "$m" "$m" "$g" "$g" "$g")
fi
/usr/bin/time -f "training: %e s, peak RSS %M KiB" "$lofimap" --threads 1 train --training-set "${sets[@]}" \
  "${weights[@]}" -o default.pt --init-weights previous_default.pt --model-size medium --wiener-channel --steps "$steps" \
  --maps-per-step 16 --coords-per-map 512 --lr "$lr" --validate-every 250 --checkpoint-every 250 \
  --validation-maps 20 --overwrite
