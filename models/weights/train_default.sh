#!/usr/bin/env bash
# Regenerates the shipped default model: three training sets (1', 0.5', 0.25' pixels; n_gal 5-60 per arcmin^2;
# sigma_e 0.25-0.31; lognormal fields; 10% star masks), then one compact LoFi with the noise channel trained on
# all three (each batch from one set). ~80 min on one core of the 2-core VM.
# Usage: models/weights/train_default.sh [build dir] [work dir]   (writes WORK/cross.pt; copy it to default.pt)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
work=${2:-$root/bench/work/cross}
mkdir -p "$work"
build=$(realpath "$build")
cd "$work"
lofimap="$build/bin/lofimap"
for p in 1 0.5 0.25; do
  tag=$(echo "$p" | tr -d .)
  [ -s "train_p$tag.h5" ] || "$lofimap" simulate training-set --maps 1500 --npix 128 --pixel "$p" --lambda 0.02 \
    --density 5 60 --sigma-e 0.25 0.31 --masked-fraction 0.1 --seed "2$tag" -o "train_p$tag.h5"
done
"$lofimap" --threads 1 train --training-set train_p1.h5 train_p05.h5 train_p025.h5 -o cross.pt --model-size compact \
  --steps 9000 --maps-per-step 16 --coords-per-map 512 --lr 2e-3 --validate-every 500 --checkpoint-every 500 \
  --validation-maps 20 --overwrite
