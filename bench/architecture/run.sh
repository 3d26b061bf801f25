#!/usr/bin/env bash
# Same outputs before and after a restructuring: builds a baseline revision next to this tree, then runs with
# both builds (1) the demo's products, compared HDU by HDU (bench/architecture/compare_products.py), (2) the LoFi
# quality benchmark on one held-out set (n_gal 30, 1' pixels, 50 maps; the text reports are diffed), and (3) a
# short training run (the model archives are compared entry by entry, the CSV logs line by line).
# Usage: bench/architecture/run.sh [BASELINE_REVISION] [WORK_DIR]     (default 8ea074d, bench/work/architecture)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
base_rev=${1:-8ea074d}
work=${2:-$root/bench/work/architecture}
mkdir -p "$work"
work=$(realpath "$work")
new=$root/build/release
cmake --preset release >/dev/null && cmake --build --preset release -j"$(nproc)" >/dev/null
if [ ! -d "$work/base" ]; then git clone -q "$root" "$work/base"; fi
git -C "$work/base" checkout -q "$base_rev"
cmake -S "$work/base" -B "$work/base/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/base/build" -j"$(nproc)" >/dev/null
old=$work/base/build

echo "== 1. demo products (baseline $base_rev vs this tree)"
(cd "$work/base" && scripts/demo >"$work/demo_base.log" 2>&1)
(cd "$root" && scripts/demo >"$work/demo_new.log" 2>&1)
/usr/bin/python3 "$root/bench/architecture/compare_products.py" "$work/base/out/demo" "$root/out/demo"

echo "== 2. LoFi quality benchmark, p1_n30"
cd "$work"
"$new/bin/lofimap" -q simulate training-set --maps 50 --npix 128 --pixel 1 --lambda 0.02 --density 30 \
  --sigma-e 0.26 --masked-fraction 0.1 --seed 103 -o test.h5 --overwrite
"$new/bin/lofimap" -q simulate training-set --maps 20 --npix 128 --pixel 1 --lambda 0.02 --density 30 \
  --sigma-e 0.26 --masked-fraction 0.1 --seed 604 -o sel.h5 --overwrite
model=$root/models/weights/default.pt
mkdir -p quality_base quality_new  # the baseline's tool does not create its figure folder
"$old/bin/lofimap-bench-lofi-quality" "$model" sel.h5 test.h5 50 quality_base >quality_base.txt 2>/dev/null
"$new/bin/lofimap-bench-lofi-quality" "$model" sel.h5 test.h5 50 quality_new >quality_new.txt 2>/dev/null
cat quality_new.txt
diff quality_base.txt quality_new.txt && echo "quality reports: identical"

echo "== 3. training, 40 steps"
"$new/bin/lofimap" -q simulate training-set --maps 40 --npix 64 --pixel 1 --lambda 0.02 --density 10 40 \
  --sigma-e 0.26 --masked-fraction 0.1 --seed 5 -o train.h5 --overwrite
for side in base new; do
  bin=$old/bin; [ "$side" = new ] && bin=$new/bin
  "$bin/lofimap" -q --threads 2 train --training-set train.h5 --steps 40 --maps-per-step 4 --coords-per-map 256 \
    --validate-every 20 -o "model_$side.pt" --overwrite
done
diff <(cut -d, -f1-5 model_base.pt.log.csv) <(cut -d, -f1-5 model_new.pt.log.csv) && echo "training logs: identical"
/usr/bin/python3 - <<'PY'
import zipfile
def entries(path):
    z = zipfile.ZipFile(path)  # torch archives: entries under a folder named after the file
    return {n.split("/", 1)[1]: z.read(n) for n in z.namelist()}
a, b = entries("model_base.pt"), entries("model_new.pt")
print("model archives:", "identical entries" if a == b else "DIFFER")
PY
