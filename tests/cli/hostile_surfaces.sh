#!/usr/bin/env bash
# The surfaces added with region maps, config files, quick-looks and training resumes, under hostile but realistic
# input (each numbered case of the probing in docs/hostile_input.md): nothing lost, nothing silently wrong, a clear
# message and a non-zero exit, and every check made before the work it protects.
set -uo pipefail
mpiexec=$1
lofimap=$2
make_catalogue=$3
work=$(mktemp -d /tmp/lofimap-hostile.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$make_catalogue" -o cat.fits --npix 64 --pixel 1 --density 5 >/dev/null || exit 1
regions=(--regions 16 --nside 256 --pixel 2 --margin 0.5 --large-scales box)
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
# check CASE CODE PATTERN -- ARGS...: lofimap's exit code and a line of its message.
check() {
  local name=$1 code=$2 pattern=$3
  shift 4
  timeout 120 "$lofimap" "$@" >out.txt 2>&1
  local rc=$?
  if [ "$rc" -ne "$code" ] || ! grep -qiE -- "$pattern" out.txt; then
    fail "$name: exit $rc (expected $code), message:"; head -c 600 out.txt; echo
  else
    echo "ok   $name -> exit $rc: $(grep -iE -- "$pattern" out.txt | head -n 1 | cut -c1-160)"
  fi
}

# 1. A config file with a 50,000-part dotted table name: refused at once (was: quadratic time, bad_alloc).
/usr/bin/python3 -c "print('[' + '.'.join(['a'] * 50000) + ']')" >deep.toml
start=$(date +%s%N)
check "1 deep table name" 2 "deep.toml:1: the name has more than 3 parts" -- --config deep.toml ks -i cat.fits -o x.fits
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5000 ] || fail "1: the deep config took more than 5 s"

# 2. lofimap owns only what it wrote: a .parts folder with someone's file, and a plain file of that name.
mkdir q.fits.parts && cp cat.fits q.fits.parts/cat.fits
check "2 foreign .parts folder" 3 "holds files lofimap did not write.*nothing was touched" -- \
  ks -i q.fits.parts/cat.fits --preset cosmos "${regions[@]}" -o q.fits
cmp -s cat.fits q.fits.parts/cat.fits || fail "2: the file inside q.fits.parts was changed or removed"
echo "not a folder" >p.fits.parts
check "2 plain file named .parts" 3 "is not a folder lofimap made" -- ks -i cat.fits --preset cosmos "${regions[@]}" -o p.fits
[ "$(cat p.fits.parts)" = "not a folder" ] || fail "2: the plain file p.fits.parts was touched"
check "2 --resume on a foreign folder" 3 "did not write" -- ks -i cat.fits --preset cosmos "${regions[@]}" -o q.fits --resume

# 3. Quick-look names checked against the inputs.
cp cat.fits x_kappa_e.png
check "3 quick-look named like the catalogue" 3 "x_kappa_e.png.*is also an input" -- \
  ks -i x_kappa_e.png --preset cosmos --pixel 2 -o x.fits --overwrite
cmp -s cat.fits x_kappa_e.png || fail "3: the catalogue named like a quick-look was replaced"
cp "$(dirname "$lofimap")/../share/lofimap/models/default.pt" m_kappa.png
check "3 quick-look named like the model" 3 "m_kappa.png.*is also an input" -- \
  map -i cat.fits --model m_kappa.png --pixel 1 -o m.fits
[ -e m.fits ] && fail "3: map wrote m.fits despite the error"

# 4. A product's files together or not at all: a picture name too long for the filesystem fails before any
# work, and the earlier product stays as it was.
long=$(printf 'a%.0s' $(seq 1 246)).fits
"$lofimap" -q ks -i cat.fits --preset cosmos --pixel 2 -o "$long" --no-png || fail "4: the long name itself"
before=$(md5sum "$long")
check "4 picture name too long" 3 "_kappa_e.png.*file name has 258 bytes" -- ks -i cat.fits --preset cosmos --pixel 2 \
  --smooth 2 -o "$long" --overwrite
[ "$(md5sum "$long")" = "$before" ] || fail "4: the earlier map was replaced by a failed run"
ls -a | grep -q '\.tmp\.' && fail "4: temporaries left behind"

# 5. train's checkpoint and log may not be its model.
"$lofimap" -q simulate training-set -o set.h5 --maps 6 --npix 16 --pixel 1 --density 20 --lambda 1 || exit 1
check "5 --checkpoint = -o" 3 "same file as another output" -- train --training-set set.h5 --validation-maps 2 --steps 1 \
  --model-size compact -o model.pt --checkpoint model.pt
check "5 --log = -o" 3 "same file as another output" -- train --training-set set.h5 --validation-maps 2 --steps 1 \
  --model-size compact -o model.pt --log model.pt

# 6. A damaged finished region is mapped again (the fuzz test tries hundreds): the resumed map is the
# uninterrupted one, bit for bit.
"$lofimap" -q --threads 1 ks -i cat.fits --preset cosmos "${regions[@]}" -o full.fits --no-png || exit 1
"$lofimap" -q --threads 1 ks -i cat.fits --preset cosmos "${regions[@]}" -o part.fits --stop-after 1 >/dev/null 2>&1
[ $? -eq 4 ] || fail "6: the interrupted run did not exit 4"
cp -r part.fits.parts saved.parts
region=$(ls part.fits.parts | grep region_ | head -1)
/usr/bin/python3 -c "
b = bytearray(open('part.fits.parts/$region', 'rb').read()); b[60] ^= 0x10
open('part.fits.parts/$region', 'wb').write(b)"
check "6 damaged region file" 0 "finished region .* is damaged \(its checksum does not match\); mapping it again" -- \
  --threads 1 ks -i cat.fits --preset cosmos "${regions[@]}" -o part.fits --resume
/usr/bin/python3 -c "
from astropy.io import fits; import numpy as np
a, b = fits.getdata('full.fits', 1), fits.getdata('part.fits', 1)
assert len(a) == len(b) and all(np.array_equal(a[c], b[c]) for c in a.names), 'resumed map differs'" ||
  fail "6: the resumed map differs from the uninterrupted one"

# 7. A catalogue replaced at the same path is not the same input: --resume refuses it, naming what changed. (The
# finished map and its picture are removed first: resuming never replaces them without --overwrite.)
rm -rf part.fits part_kappa_e.png && cp -r saved.parts part.fits.parts
cp -p cat.fits cat_saved.fits && touch cat.fits
check "7 resume after the catalogue changed" 3 "catalogue .*cat.fits: bytes .* \(then\)" -- \
  ks -i cat.fits --preset cosmos "${regions[@]}" -o part.fits --resume
[ -e part.fits ] && fail "7: a map was written from a changed catalogue"
"$lofimap" -q --threads 1 train --training-set set.h5 --validation-maps 2 --steps 4 --stop-after 1 --model-size compact \
  -o resumed.pt >/dev/null 2>&1
"$lofimap" -q simulate training-set -o set.h5 --maps 6 --npix 16 --pixel 1 --density 20 --lambda 1 --seed 9 --overwrite
check "7 train --resume with the set replaced" 3 "set.h5.*not the file this run started from" -- \
  --threads 1 train --training-set set.h5 --validation-maps 2 --steps 4 --model-size compact -o resumed.pt --resume

# 9. Values that cannot be meant.
check "9 smoothing larger than the field" 2 "--smooth 1e\+06.*larger than half of the patch" -- \
  ks -i cat.fits --preset cosmos --pixel 2 --smooth 1e6 -o s.fits
check "9 pixel wider than a region" 2 "--pixel 600: a region .* is only .* pixels wide" -- \
  ks -i cat.fits --preset cosmos --regions 16 --nside 256 --pixel 600 -o s.fits
check "9 catalogue given twice" 3 "same file as another input.*count twice" -- ks -i cat.fits cat.fits --preset cosmos \
  --pixel 2 -o s.fits
ln -s cat.fits link.fits
check "9 catalogue twice through a link" 3 "link.fits.*same file as another input" -- ks -i cat.fits link.fits \
  --preset cosmos --pixel 2 -o s.fits
check "9 lognormal without --lambda" 2 "--family lognormal: give the lognormal shift with --lambda" -- \
  simulate training-set --family lognormal --maps 2 --npix 16 -o s.h5

# 10, 11. Sizes checked before anything is allocated; a training set checked against the disk.
check "10 region grid too large" 2 "region's grid of [0-9]+ x [0-9]+ pixels \(--pixel 0.015.*needs about" -- \
  ks -i cat.fits --preset cosmos --regions 16 --nside 128 --pixel 0.015 -o s.fits
check "10 map region grid too large" 2 "region's grid .*needs about" -- \
  map -i cat.fits --regions 16 --nside 256 --pixel 0.01 -o s.fits
check "11 training map too large" 2 "training map of 16384 x 16384 pixels.*needs about" -- \
  simulate training-set --npix 16384 --pixel 0.05 -o s.h5
check "11 training set beyond the disk" 2 "of disk for s.h5" -- simulate training-set --maps 100000000 --npix 1024 -o s.h5
check "11 --maps 1e9" 2 "--maps: expected a whole number" -- simulate training-set --maps 1e9 -o s.h5

# 12. Messages that point at the cause.
ln -s nowhere.fits dangling.fits
check "12 dangling link as output" 3 "dangling.fits.*symbolic link to a file that does not exist" -- \
  ks -i cat.fits --preset cosmos --pixel 2 -o dangling.fits
check "12 mosaic pixel blamed on --out-pixel" 2 "--out-pixel 0.001.*mosaic" -- \
  map -i cat.fits --regions 16 --pixel 1 --out-pixel 0.001 -o s.fits
printf '[ks]\npixle = 1\n' >unknown.toml
check "12 unknown config key" 2 "unknown.toml:2: 'pixle' is not an option of 'lofimap ks'" -- --config unknown.toml ks -i cat.fits -o s.fits
printf '[ks]\npixel: 1\n' >colon.toml
check "12 key: value line" 2 "colon.toml:2: expected key = value" -- --config colon.toml ks -i cat.fits -o s.fits
printf '[kss]\npixel = 1\n' >section.toml
check "12 unknown section" 2 "section.toml:1: \[kss\]: not a lofimap command" -- --config section.toml ks -i cat.fits -o s.fits
printf '[ks]\npixel = 1\npixel = 2\n' >twice.toml
check "12 a key given twice" 2 "twice.toml:3: 'pixel' is given twice \(first on line 2\)" -- --config twice.toml ks -i cat.fits -o s.fits
printf '[ks]\nnpix = 12345678901234567890123\n' >digits.toml
check "12 23-digit npix" 2 "--npix: must lie in 1..1048576" -- --config digits.toml ks -i cat.fits --preset cosmos -o s.fits
printf '\xef\xbb\xbf[ks]\npreset = "cosmos"\npixel = 2\nno-png = true\n' >bom.toml
check "12 byte-order mark" 0 "wrote s_bom.fits" -- --config bom.toml ks -i cat.fits -o s_bom.fits
echo "garbage" >bad.checkpoint
check "12 unreadable checkpoint" 3 "bad.checkpoint.*cannot be read" -- --threads 1 train --training-set set.h5 \
  --validation-maps 2 --steps 2 --model-size compact -o other.pt --checkpoint bad.checkpoint --resume
"$lofimap" -q --threads 1 ks -i cat.fits --preset cosmos "${regions[@]}" -o upper.H5 || fail "12: -o upper.H5"
[ "$(head -c 4 upper.H5 | od -An -c | tr -d ' ')" = "211HDF" ] || fail "12: upper.H5 is not an HDF5 file"
check "12 flat map named .h5" 2 "--output flat.h5: a flat map is written as FITS" -- ks -i cat.fits --preset cosmos --pixel 2 -o flat.h5
check "12 --noise-seed -1" 2 "--noise-seed: must lie in 0..18446744073709551615, got '-1'" -- \
  ks -i cat.fits --preset cosmos "${regions[@]}" --noise-realisations 2 --noise-seed -1 -o s.fits
check "12 --region-memory 1e-9" 2 "--region-memory: between .* got 1e-09" -- \
  ks -i cat.fits --preset cosmos "${regions[@]}" --region-memory 1e-9 -o s.fits
deep=$work/$(printf 'd%.0s' $(seq 1 250))/$(printf 'd%.0s' $(seq 1 250))/$(printf 'd%.0s' $(seq 1 250))
deep=$deep/$(printf 'd%.0s' $(seq 1 250))
mkdir -p "$deep"
check "12 path CFITSIO cannot write" 3 "limit of 1024 bytes of the file's writer \(CFITSIO\)" -- \
  ks -i cat.fits --preset cosmos "${regions[@]}" -o "$deep/map.fits"
[ -e "$deep/map.fits.parts" ] && fail "12: the long path failed only after the regions were mapped"
rm -rf part.fits part_kappa_e.png && cp -r saved.parts part.fits.parts && cp -p cat_saved.fits cat.fits
check "12 resume with another option" 3 "--margin: 0.5 \(then\), 1 \(now\)" -- \
  ks -i cat.fits --preset cosmos --regions 16 --nside 256 --pixel 2 --margin 1 --large-scales box -o part.fits --resume
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 120 "$mpiexec" --allow-run-as-root --oversubscribe \
  -np 1 "$lofimap" -q --threads 1 ks -i cat.fits --preset cosmos "${regions[@]}" -o rank0.fits : \
  -np 1 "$lofimap" -q --threads 1 ks -i cat.fits --preset cosmos "${regions[@]}" -o rank1.fits >mpmd.txt 2>&1
rc=$?
if [ "$rc" -eq 0 ] || ! grep -q "rank 1 was started with other options than rank 0: word .* is 'rank0.fits' on rank 0, 'rank1.fits' here" mpmd.txt ||
  [ -e rank0.fits ]; then
  fail "12 ranks given different outputs: exit $rc"; cat mpmd.txt
else
  echo "ok   12 ranks given different outputs -> exit $rc"
fi

# 13. Temporaries live in a private folder (mkdtemp, mode 0700): nothing planted can be followed (unit test
# AtomicOutput.TheTemporaryLivesInAPrivateFolder); a run leaves no folder behind.
ls -a | grep -q '\.tmp\.' && fail "13: temporary folders left behind"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all hostile-surface cases held"
