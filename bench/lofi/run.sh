#!/usr/bin/env bash
# Benchmark: LoFi speed (inference at three sizes against a float32 matmul of the layer shape; a published-size
# training step against the official code's, alternating, in the same invocation) and training-step memory on
# 256^2, 1024^2 and 4096^2 input grids.
# Usage: bench/lofi/run.sh [build dir] [threads] [official checkout] [repeats]
# The official code is the public repository AmirEhsan95/LoFi, run as it is with Debian's python3-torch (never
# copied): give its checkout, or set LOFI_OFFICIAL; without one, a repository brought by the tool library's
# `fetch` (/work/.mirror/AmirEhsan95+LoFi/repo) is exported to a temporary folder. Without either, or without
# python3-torch, the step is printed with no comparison. Ratios only on an idle machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
threads=${2:-$(nproc)}
official=${3:-${LOFI_OFFICIAL:-}}
repeats=${4:-3}
source "$root/bench/common/machine_load.sh"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); BLAS $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3); $threads threads"
machine_load
"$build/bin/lofimap-bench-lofi" speed "$threads"

mirror=/work/.mirror/AmirEhsan95+LoFi/repo
if [ -z "$official" ] && [ -d "$mirror" ]; then
  official=$(mktemp -d /tmp/lofi_official.XXXXXX)
  trap 'rm -rf "$official"' EXIT
  git --git-dir="$mirror" archive HEAD | tar -x -C "$official"
  echo "official code: $mirror at $(git --git-dir="$mirror" rev-parse --short HEAD), exported to $official"
fi
peer_ok=0
if [ -n "$official" ] && [ -f "$official/model.py" ] && /usr/bin/python3 -c "import torch" 2>/dev/null; then peer_ok=1; fi
ours="" peer=""
for ((r = 0; r < repeats; r++)); do  # alternate, so that drift hits both alike
  ours="$ours $("$build/bin/lofimap-bench-lofi" train-step "$threads" | sed -n 's/.*median \([0-9.]*\) s.*/\1/p')"
  if [ "$peer_ok" = 1 ]; then
    peer="$peer $(/usr/bin/python3 "$root/bench/lofi/official_train_step.py" "$official" "$threads" 3 |
      sed -n 's/.*median \([0-9.]*\) s.*/\1/p')"
  fi
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
printf "training step, published size, 64 maps x 512 coordinates at 128^2: lofimap median %.2f s (invocations:%s)" \
  "$(median "$ours")" "$ours"
if [ "$peer_ok" = 1 ]; then
  printf "; official code median %.2f s (invocations:%s)" "$(median "$peer")" "$peer"
  if machine_idle; then
    printf "; official / lofimap %.2fx\n" "$(echo "$(median "$peer") / $(median "$ours")" | bc -l)"
  else
    echo "; machine busy: no ratio"
  fi
else
  echo "; official code not run (no checkout, or no python3-torch: apt-get install python3-torch)"
fi
for n in 256 1024 4096; do "$build/bin/lofimap-bench-lofi" memory "$n" "$threads"; done
