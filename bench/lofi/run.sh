#!/usr/bin/env bash
# Benchmark: LoFi speed (inference and a training step, against a float32 matmul of the model's layer shape)
# and training-step memory on 256^2, 1024^2 and 4096^2 input grids. Usage: bench/lofi/run.sh [build dir] [threads]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
threads=${2:-$(nproc)}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); BLAS $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3); $threads threads"
"$build/bin/lofimap-bench-lofi" speed "$threads"
"$build/bin/lofimap-bench-lofi" train-step "$threads"
for n in 256 1024 4096; do "$build/bin/lofimap-bench-lofi" memory "$n" "$threads"; done
