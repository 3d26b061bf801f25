#!/usr/bin/env bash
# `lofimap map --regions` and `lofimap ks --regions` under mpirun at 1, 2 and 4 ranks: the partial NESTED HEALPix
# maps (LoFi, KS, galaxy counts) are the same whatever the number of ranks (each rank reads its own rows, the
# galaxies are exchanged to the owners of their regions, rank 0 writes the ranks' shares in turn). A run stopped
# after one region per rank (as a pre-empted batch job would be: exit 4, finished regions kept) and resumed on
# another number of ranks gives the uninterrupted run's map; a run without --resume (which would throw the
# finished regions away) and a resume with other options are refused.
set -uo pipefail
mpiexec=$1
lofimap=$2
make_catalogue=$3
work=$(mktemp -d /tmp/lofimap-region-ranks.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$make_catalogue" -o cat.fits --ra 30 --dec 40 --npix 240 --pixel 1 --density 4 --haloes 6 >/dev/null || exit 1
for n in 1 2 4; do
  "$mpiexec" --allow-run-as-root --oversubscribe -np $n "$lofimap" --threads 1 map -i cat.fits --regions 16 \
    --nside 512 --pixel 1 -o lofi_$n.fits >log_$n.txt 2>&1 || { cat log_$n.txt; echo "FAIL: map at $n ranks"; exit 1; }
  "$mpiexec" --allow-run-as-root --oversubscribe -np $n "$lofimap" --threads 1 ks -i cat.fits --regions 16 \
    --nside 512 --pixel 2 -o ks_$n.fits --no-png >>log_$n.txt 2>&1 || { cat log_$n.txt; echo "FAIL: ks at $n ranks"; exit 1; }
done
grep -h "regions: nside 16" log_4.txt | head -1

"$mpiexec" --allow-run-as-root --oversubscribe -np 2 "$lofimap" --threads 1 ks -i cat.fits --regions 16 \
  --nside 512 --pixel 2 -o resumed.fits --no-png --stop-after 1 >stop.txt 2>&1
rc=$?
if [ "$rc" -ne 4 ] || [ -e resumed.fits ] || [ "$(ls resumed.fits.parts/region_*.bin | wc -l)" -ne 2 ]; then
  cat stop.txt; echo "FAIL: --stop-after 1 at 2 ranks: exit $rc, expected 4 with two finished regions"; exit 1
fi
"$lofimap" --threads 1 ks -i cat.fits --regions 16 --nside 512 --pixel 2 -o resumed.fits --no-png >fresh.txt 2>&1
rc=$?
if [ "$rc" -ne 3 ] || ! grep -q "holds 2 finished regions of an interrupted run: pass --resume" fresh.txt ||
  [ "$(ls resumed.fits.parts/region_*.bin | wc -l)" -ne 2 ]; then
  cat fresh.txt; echo "FAIL: a run without --resume over finished regions: exit $rc, expected 3 with them kept"; exit 1
fi
"$lofimap" --threads 1 ks -i cat.fits --regions 16 --nside 512 --pixel 3 -o resumed.fits --no-png --resume >other.txt 2>&1
rc=$?
if [ "$rc" -ne 3 ] || ! grep -q "made with other options" other.txt; then
  cat other.txt; echo "FAIL: resume with another --pixel: exit $rc, expected 3"; exit 1
fi
"$mpiexec" --allow-run-as-root --oversubscribe -np 4 "$lofimap" --threads 1 ks -i cat.fits --regions 16 \
  --nside 512 --pixel 2 -o resumed.fits --no-png --resume >resume.txt 2>&1 || { cat resume.txt; echo "FAIL: resume"; exit 1; }
grep -q "2 of them from the interrupted run" resume.txt || { cat resume.txt; echo "FAIL: the finished regions were not reused"; exit 1; }
[ -e resumed.fits.parts ] && { echo "FAIL: the finished regions were not cleaned up"; exit 1; }
echo "ok: stopped after 1 region per rank at 2 ranks (exit 4), resumed at 4 ranks reusing 2 regions"
/usr/bin/python3 - <<'PY'
import sys
import numpy as np
from astropy.io import fits
ok = True
for kind, columns in (("lofi", ("KAPPA", "KAPPA_KS", "N_GAL")), ("ks", ("KAPPA_E", "KAPPA_B", "N_GAL"))):
    ref = fits.getdata(f"{kind}_1.fits", 1)
    for n in (2, 4):
        other = fits.getdata(f"{kind}_{n}.fits", 1)
        same_pixels = np.array_equal(ref["PIXEL"], other["PIXEL"])
        worst = max(np.max(np.abs(other[c] - ref[c])) / max(np.max(np.abs(ref[c])), 1e-30) for c in columns) \
            if same_pixels else np.inf
        print(f"{kind} at {n} ranks: {len(other)} pixels, same pixels {same_pixels}, largest relative difference "
              f"{worst:.1e}")
        ok &= same_pixels and worst < 1e-5 and len(ref) > 1000
resumed = fits.getdata("resumed.fits", 1)
ref = fits.getdata("ks_1.fits", 1)
same = np.array_equal(resumed["PIXEL"], ref["PIXEL"]) and all(np.array_equal(resumed[c], ref[c])
                                                                for c in ("KAPPA_E", "KAPPA_B", "N_GAL"))
print(f"stopped and resumed map equal to the uninterrupted one: {same}")
ok &= same
sys.exit(0 if ok else 1)
PY
