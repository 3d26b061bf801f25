#!/usr/bin/env bash
# Benchmark: ingest + flat KS of a 10-million-row DES-preset catalogue, lofimap against the same work in
# astropy + numpy (bench/ingest_ks/astropy_ks.py), in the same invocation. Prints wall, user and system time,
# minor page faults, rows/s and peak RSS of the best run; the ratio only when the machine was idle at the start.
# Usage: bench/ingest_ks/run.sh [build dir] [rows]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
rows=${2:-10000000}
work=$root/bench/work
mkdir -p "$work"
cat=$work/cat_${rows}.fits
if [ ! -f "$cat" ]; then
  "$build/bin/lofimap-make-catalogue" -o "$cat" --preset des --ra 60 --dec -30 --npix 1024 --pixel 0.5 \
    -n "$rows" --haloes 40 --seed 1
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "catalogue: $cat ($(du -h "$cat" | cut -f1))"
source "$root/bench/common/machine_load.sh"
repeats=${REPEATS:-3}
measure() {  # label, command...: best wall time of $repeats runs, with that run's CPU times, faults and peak RSS
  local label=$1 best="" best_kb="" best_cpu="" all=""
  shift
  for ((r = 0; r < repeats; r++)); do
    /usr/bin/time -f "%e %M %U %S %R" -o "$work/time.txt" "$@" >/dev/null
    read -r secs kb user sys faults <"$work/time.txt"
    all="$all $secs"
    if [ -z "$best" ] || (($(echo "$secs < $best" | bc -l))); then
      best=$secs best_kb=$kb best_cpu="user $user s, system $sys s, $faults minor faults"
    fi
  done
  printf "%-16s %8.2f s  %10.0f rows/s  peak RSS %7.0f MiB  %s   (runs:%s s)\n" "$label" "$best" \
    "$(echo "$rows / $best" | bc -l)" "$(echo "$best_kb / 1024" | bc -l)" "$best_cpu" "$all"
  echo "$best" >"$work/$label.secs"
}
# Warm the page cache once so that both read from memory.
cat "$cat" >/dev/null
machine_load
measure lofimap "$build/bin/lofimap" --threads "$(nproc)" ks -i "$cat" --preset des --center 60 -30 --npix 1024 \
  --pixel 0.5 --no-png -o "$work/lofimap_ks.fits" --overwrite
measure astropy_numpy /usr/bin/python3 "$root/bench/ingest_ks/astropy_ks.py" "$cat" "$work/astropy_ks.fits" 60 -30 1024 0.5
if machine_idle; then
  printf "speed-up lofimap / astropy+numpy: %.2fx\n" "$(echo "$(cat "$work/astropy_numpy.secs") / $(cat "$work/lofimap.secs")" | bc -l)"
else
  echo "speed-up: not given (the machine was busy at the start)"
fi
/usr/bin/python3 - "$work" <<'PY'
import sys
import numpy as np
from astropy.io import fits
w = sys.argv[1]
a = fits.getdata(f"{w}/lofimap_ks.fits", "KAPPA_E"); b = fits.getdata(f"{w}/astropy_ks.fits", "KAPPA_E")
print(f"same maps: max |difference| {np.abs(a - b).max():.2e} (kappa_E rms {a.std():.4f})")
PY
