#!/usr/bin/env bash
# Data-parallel training on this machine: step time at 1 and 2 MPI ranks (one thread each, so the ranks do not
# fight over the cores), with the gradient sums overlapping backward (default) and after it (--no-overlap), at
# the published model size (3.57 M parameters, 14.3 MB of float32 gradients per step). Runs are interleaved and
# repeated; analyse.py reads the training logs (per-step wall time and the time spent waiting for sums) and
# prints the table recorded in bench/README.md, with the projection to GPU nodes. Also trains the same model on
# 1 and 2 ranks for 300 steps (compact size) and compares the validation curves.
# Usage: bench/distributed/run.sh [REPEATS] [WORK_DIR]       (default 3, bench/work/distributed)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
repeats=${1:-3}
work=${2:-$root/bench/work/distributed}
mkdir -p "$work"
cd "$work"
(cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release -j"$(nproc)" >/dev/null)
lofimap=$root/build/release/bin/lofimap
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
"$lofimap" -q simulate training-set -o set.h5 --maps 40 --npix 64 --pixel 1 --density 20 --lambda 1 --overwrite
timing=(train --training-set set.h5 --validation-maps 4 --model-size published --global-batch 8 --micro-batch 2
        --coords-per-map 256 --steps 14 --validate-every 1000 --overwrite)
for rep in $(seq 1 "$repeats"); do
  "$lofimap" --threads 1 "${timing[@]}" -o r1_$rep.pt 2>r1_$rep.txt
  mpirun -n 2 --oversubscribe "$lofimap" --threads 1 "${timing[@]}" -o r2_$rep.pt 2>r2_$rep.txt
  mpirun -n 2 --oversubscribe "$lofimap" --threads 1 "${timing[@]}" --no-overlap -o r2off_$rep.pt 2>r2off_$rep.txt
done
curve=(train --training-set set.h5 --validation-maps 4 --model-size compact --global-batch 16 --micro-batch 4
       --coords-per-map 256 --steps 300 --validate-every 25 --lr 2e-3 --overwrite)
"$lofimap" --threads 2 "${curve[@]}" -o curve1.pt 2>curve1.txt
mpirun -n 2 --oversubscribe "$lofimap" --threads 1 "${curve[@]}" -o curve2.pt 2>curve2.txt
/usr/bin/python3 "$root/bench/distributed/analyse.py" "$work" "$repeats"
