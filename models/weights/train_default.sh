#!/usr/bin/env bash
# Regenerates the shipped default model: three training sets of 1,200 maps mixing all four sky families
# (gaussian, lognormal, halo-model, lognormal-clusters; map i is of family i mod 4) with sigma8 0.75-0.88,
# Omega_m 0.27-0.35, z_s 0.8-1.4 and lambda 0.01-0.04 drawn per map, n_gal 5-80 per arcmin^2, sigma_e
# 0.25-0.31, 10% star masks, at 1' (128^2: 128' fields), 0.5' (256^2: 128') and 0.25' (256^2: 64'), so that
# every field spans at least 1 degree; then one medium LoFi with the noise and Wiener channels trained on all three
# (each batch of 16 maps from one set). Sets: 23 min on 2 cores; training: 80 min on one core of the 2-core VM.
# Usage: models/weights/train_default.sh [build dir] [work dir] [steps]
#   (writes WORK/default.pt; copy it to models/weights/default.pt)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
work=${2:-$root/bench/work/default2}
steps=${3:-5500}
mkdir -p "$work"
build=$(realpath "$build")
cd "$work"
lofimap="$build/bin/lofimap"
ranges=(--sigma8-range 0.75 0.88 --omega-m-range 0.27 0.35 --z-source-range 0.8 1.4 --lambda 0.01 0.04)
make_set() {  # pixel npix seed output
  [ -s "$4" ] || "$lofimap" -q simulate training-set --family gaussian,lognormal,halo-model,lognormal-clusters \
    "${ranges[@]}" --maps 1200 --npix "$2" --pixel "$1" --density 5 80 --sigma-e 0.25 0.31 --masked-fraction 0.1 \
    --seed "$3" -o "$4"
}
make_set 1 128 8101 train_p1.h5 &
first=$!
make_set 0.5 256 8105 train_p05.h5
wait "$first"
make_set 0.25 256 8125 train_p025.h5
/usr/bin/time -f "training: %e s, peak RSS %M KiB" "$lofimap" --threads 1 train --training-set train_p1.h5 \
  train_p05.h5 train_p025.h5 -o default.pt --model-size medium --wiener-channel --steps "$steps" --maps-per-step 16 \
  --coords-per-map 512 --lr 2e-3 --validate-every 500 --checkpoint-every 500 --validation-maps 20 --overwrite
