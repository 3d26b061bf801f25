#!/usr/bin/env bash
# Bad input to `lofimap ks`: each case must exit non-zero with a message naming the file/column/option, and
# must write nothing (and never touch an existing output).
set -u
lofimap=$1
make_catalogue=$2
work=$(mktemp -d /tmp/lofimap-bad-input.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$make_catalogue" -o good.fits --preset cosmos --npix 32 --pixel 1 --density 5 >/dev/null || exit 1
"$make_catalogue" -o zero_weight.fits --preset cosmos --npix 8 --pixel 1 --density 1 >/dev/null || exit 1
cp zero_weight.fits half_bad.fits
/usr/bin/python3 - <<'PY' || exit 1
from astropy.io import fits
with fits.open("zero_weight.fits", mode="update") as h:
    h[1].data["WEIGHT"][:] = 0.0
with fits.open("half_bad.fits", mode="update") as h:
    h[1].data["WEIGHT"][::2] = 0.0
PY
echo "plain text, not FITS" > notfits.fits
mkdir ro_parent_is_file && touch ro_parent_is_file/file

failures=0
# expect CODE PATTERN -- ARGS...: runs lofimap, checks exit code, message and that out.fits was not created.
expect() {
  local code=$1 pattern=$2
  shift 3
  rm -f out.fits out_*.png
  "$lofimap" "$@" >stdout.txt 2>stderr.txt
  local rc=$?
  local msg
  msg=$(cat stdout.txt stderr.txt)
  if [ "$rc" -ne "$code" ]; then
    echo "FAIL ($*): exit $rc, expected $code"; echo "$msg"; failures=$((failures + 1)); return
  fi
  if ! grep -qiE -- "$pattern" <<<"$msg"; then
    echo "FAIL ($*): message does not match '$pattern'"; echo "$msg"; failures=$((failures + 1)); return
  fi
  if ls out.fits out.png out_*.png out.txt out.json .out.fits.tmp.* >/dev/null 2>&1; then
    echo "FAIL ($*): wrote output despite the error"; failures=$((failures + 1)); return
  fi
  echo "ok   ($*) -> exit $rc: $(grep -iE -- "$pattern" <<<"$msg" | head -n 1 | cut -c1-150)"
}

expect 3 "missing.fits.*no such file"            -- ks -i missing.fits --preset cosmos --pixel 1 -o out.fits
expect 3 "notfits.fits.*FITS"                     -- ks -i notfits.fits --preset cosmos --pixel 1 -o out.fits
expect 3 "column 'e_1'.*no such column.*RA, DEC" -- ks -i good.fits --preset des --pixel 1 -o out.fits
expect 3 "column 'BAD'.*the table has"            -- ks -i good.fits --preset cosmos --column e1=BAD --pixel 1 -o out.fits
expect 3 "no HDU with EXTNAME 'NOPE'"             -- ks -i good.fits --hdu NOPE --preset cosmos --pixel 1 -o out.fits
expect 3 "HDU 5.*only 2 HDUs"                     -- ks -i good.fits --hdu 5 --preset cosmos --pixel 1 -o out.fits
expect 3 "zero_weight.fits.*no valid galaxies"    -- ks -i zero_weight.fits --preset cosmos --pixel 1 -o out.fits --max-invalid-fraction 1
expect 3 "rejected 50% of rows.*max-invalid-fraction" -- ks -i half_bad.fits --preset cosmos --pixel 1 -o out.fits
expect 2 "--nside.*power of two"                  -- ks -i good.fits --preset cosmos --sphere --nside 100 -o out.fits
expect 2 "ks --sphere --nside 8192.*needs about"  -- ks -i good.fits --preset cosmos --sphere --nside 8192 -o out.fits
expect 2 "flat patch of 40000 x 40000.*--npix.*needs about" -- ks -i good.fits --preset cosmos --center 10 0 --npix 40000 --pixel 0.05 -o out.fits
expect 2 "--pixel.*> 0"                           -- ks -i good.fits --preset cosmos --pixel 0 -o out.fits
expect 2 "--pixel.*> 0"                           -- ks -i good.fits --preset cosmos --pixel -1 -o out.fits
expect 2 "--preset.*unknown survey preset 'nope'" -- ks -i good.fits --preset nope --pixel 1 -o out.fits
expect 2 "--column.*ROLE=NAME"                    -- ks -i good.fits --preset cosmos --column e1 --pixel 1 -o out.fits
expect 3 "no_such_dir.*does not exist"            -- ks -i good.fits --preset cosmos --pixel 1 -o no_such_dir/out.fits
expect 3 "is not a folder"                        -- ks -i good.fits --preset cosmos --pixel 1 -o ro_parent_is_file/file/out.fits

# lofimap simulate
expect 2 "--density.*n_gal must be >= 0"          -- simulate catalogue --npix 32 --density -5 -o out.fits
expect 2 "--sigma-e.*\[0, 1\)"                    -- simulate catalogue --npix 32 --sigma-e -0.2 -o out.fits
expect 2 "--preset.*unknown survey preset 'nope'" -- simulate catalogue --npix 32 --preset nope -o out.fits
expect 2 "--lambda.*must be > 0"                  -- simulate field --npix 32 --lambda 0 -o out.fits
expect 2 "--lambda.*must be > 0"                  -- simulate field --npix 32 --lambda -0.1 -o out.fits
printf "100 1e-9\n1000 1e-10\n" > short_cl.txt
expect 2 "--cl-file.*grid needs"                  -- simulate field --npix 64 --pixel 1 --cl-file short_cl.txt -o out.fits
expect 2 "--npix.*\[8, 32768\]"                   -- simulate field --npix 4 -o out.fits
expect 3 "missing_cl.txt.*cannot open"            -- simulate field --npix 32 --cl-file missing_cl.txt -o out.fits
expect 2 "--maps: must lie in 1..100000000"      -- simulate training-set --maps 0 -o out.fits
expect 2 "--nside.*power of two"                  -- simulate field --sphere --nside 30 -o out.fits
expect 2 "halo-model sky.*haloes expected.*--halo-cap.*--halo-min-mass" -- simulate field --sphere --family halo-model -o out.fits
expect 2 "--sphere --nside 8192.*needs about"     -- simulate field --sphere --nside 8192 -o out.fits
expect 2 "--halo-list.*--sphere and --family"   -- simulate field --sphere --nside 32 --lambda 0.02 --halo-list out_haloes.fits -o out.fits
expect 2 "--halo-cap.*with --sphere"             -- simulate field --npix 32 --family halo-model --halo-cap 10 10 5 -o out.fits
expect 2 "--halo-cap.*radius > 0"                -- simulate field --sphere --nside 32 --family halo-model --halo-cap 10 10 0 -o out.fits
expect 2 "--family.*lognormal-clusters.*--lambda" -- simulate field --sphere --nside 32 --family lognormal-clusters -o out.fits
expect 2 "--family.*unknown 'haloes'"             -- simulate field --npix 32 --family haloes -o out.fits
expect 2 "--family.*unknown 'nbody'"              -- simulate training-set --family lognormal,nbody -o out.fits
expect 2 "--family.*lognormal-clusters.*--lambda" -- simulate field --npix 32 --family lognormal-clusters -o out.fits
printf "10 1e-9\n1000000 1e-16\n" > wide_cl.txt
expect 2 "--family.*need a cosmology.*--cl-file"  -- simulate training-set --family halo-model --cl-file wide_cl.txt -o out.fits
expect 2 "--npix/--pixel.*wider than the particle-mesh box" -- simulate field --npix 512 --pixel 1 --family particle-mesh --pm-particles 16 --pm-box 100 -o out.fits
expect 2 "particle-mesh --sphere: give the cone's cap" -- simulate field --sphere --nside 32 --family particle-mesh -o out.fits
expect 2 "particle-mesh --sphere: give a cap of radius" -- simulate field --sphere --nside 32 --family particle-mesh --halo-cap 0 0 40 -o out.fits
expect 2 "particle mesh of 2048.*--pm-particles"   -- simulate field --npix 32 --family particle-mesh --pm-particles 2048 --pm-box 5000 -o out.fits
expect 2 "--pm-particles: need an even number"    -- simulate training-set --family particle-mesh --pm-particles 7 -o out.fits
expect 2 "--cones-per-box"                        -- simulate training-set --family particle-mesh --cones-per-box 0 -o out.fits
expect 2 "--sigma8-range.*0.4 <= MIN"             -- simulate training-set --family gaussian --sigma8-range 0.1 0.9 -o out.fits
expect 2 "--footprint.*missing_cat.fits"          -- simulate training-set --footprint missing_cat.fits -o out.fits
expect 3 "notfits.fits"                           -- simulate training-set --maps 2 --npix 32 --footprint notfits.fits -o out.fits

# lofimap map / eval / train
"$lofimap" ks -i good.fits --preset cosmos --pixel 1 -o ks_a.fits --no-png >/dev/null 2>&1
"$lofimap" ks -i good.fits --preset cosmos --pixel 2 -o ks_b.fits --no-png >/dev/null 2>&1
expect 3 "missing.pt.*LoFi model.*not found"     -- map -i good.fits --preset cosmos --model missing.pt -o out.fits
expect 2 "not on the same grid"                  -- eval --map ks_a.fits:KAPPA_E --truth ks_b.fits:KAPPA_E -o out
expect 3 "missing.h5.*no such file"              -- train --training-set missing.h5 -o out.fits
expect 2 "--loss.*l1 or l2"                      -- train --training-set missing.h5 --loss l3 -o out.fits
expect 3 "missing.h5.*no such file"              -- ks-smoothing --training-set missing.h5
"$lofimap" ks -i good.fits --preset cosmos --pixel 1 --smooth 2 -o ks_smoothed.fits --no-png >/dev/null 2>&1
# A KS map holds no shear: the shipped default (Wiener channel) refuses it; the compact lognormal model reads it.
compact=$(dirname "$lofimap")/../share/lofimap/models/lognormal_compact.pt
expect 3 "missing_ks.fits.*no such file"         -- map --ks-map missing_ks.fits --model "$compact" -o out.fits
expect 2 "--ks-map.*Wiener estimate.*lognormal_compact" -- map --ks-map ks_a.fits -o out.fits
expect 2 "--ks-map.*smoothed"                    -- map --ks-map ks_smoothed.fits --model "$compact" -o out.fits
expect 2 "--ks-map.*drop --center"               -- map --ks-map ks_a.fits --npix 20 --model "$compact" -o out.fits
printf "ra,dec\n150.0,2.0\n150.1,north\n" > words.csv
expect 3 "words.csv.*'north' is not a number"    -- map --ks-map ks_a.fits --coords words.csv --model "$compact" -o out.fits
expect 3 "words.csv.*'north' is not a number"    -- map -i good.fits --preset cosmos --regions 16 --coords words.csv --model "$compact" -o out.fits
expect 3 "missing_coords.fits.*no such file"      -- map -i good.fits --preset cosmos --regions 16 --coords missing_coords.fits -o out.fits
expect 2 "--nside/--coords: choose one output"   -- map -i good.fits --preset cosmos --regions 16 --nside 512 --coords words.csv -o out.fits
expect 2 "--nside/--coords/--out-pixel: choose one output" -- map -i good.fits --preset cosmos --regions 16 --nside 512 --out-pixel 2 -o out.fits
expect 2 "--out-npix: not with --regions"        -- map -i good.fits --preset cosmos --regions 16 --out-pixel 2 --out-npix 50 -o out.fits
expect 3 "missing_cl.txt.*cannot open"           -- ks -i good.fits --preset cosmos --pixel 1 --wiener missing_cl.txt -o out.fits
expect 2 "--wiener: the C_ell table covers ell 100.* to 1000.*needs at least 10 to 128" -- ks -i good.fits --preset cosmos --sphere --nside 64 --wiener short_cl.txt -o out.fits
expect 2 "--maps must be >= 1"                   -- ks-smoothing --training-set missing.h5 --maps 0
expect 2 "--schedule.*cosine, step or constant"  -- train --training-set missing.h5 --schedule linear -o out.fits
expect 2 "--patch-radius: must be >= 0"          -- train --training-set missing.h5 --patch-radius nan -o out.fits
expect 2 "--ring-spacing geometric: needs --patch-radius" -- train --training-set missing.h5 --ring-spacing geometric -o out.fits
expect 2 "--device.*cpu or cuda"                 -- map -i good.fits --preset cosmos --device tpu -o out.fits
expect 2 "--precision tf32: TensorFloat-32 exists on CUDA" -- train --training-set missing.h5 --precision tf32 -o out.fits
expect 2 "--precision tf32: TensorFloat-32 exists on CUDA" -- map -i good.fits --preset cosmos --precision tf32 -o out.fits

# Numbers that are not numbers, and absurd ones: refused by name (exit 2), never a NaN product or a crash.
expect 2 "--m-bias.*\(-1, 1\)"                   -- ks -i good.fits --preset kids --pixel 1 --m-bias nan -o out.fits
expect 2 "--m-bias.*\(-1, 1\)"                   -- ks -i good.fits --preset kids --pixel 1 --m-bias -1 -o out.fits
expect 2 "--size: must be > 0"                   -- ks -i good.fits --preset cosmos --pixel 1 --center 1 1 --size nan -o out.fits
expect 2 "--sigma-e: must be > 0"                    -- map -i good.fits --preset cosmos --sigma-e nan -o out.fits
expect 2 "--out-pixel: must be > 0"              -- map -i good.fits --preset cosmos --out-pixel nan -o out.fits
expect 2 "--weight-decay: must be >= 0"          -- train --training-set good.fits --weight-decay nan -o out.fits
expect 2 "--clip-norm: must be >= 0"             -- train --training-set good.fits --clip-norm nan -o out.fits
expect 2 "--lr: must be > 0"                     -- train --training-set good.fits --lr inf -o out.fits
expect 2 "--set-weights: 2 weights for 1 training sets" -- train --training-set good.fits --set-weights 1 2 -o out.fits
expect 3 "none.pt.*initial weights.*no such file" -- train --training-set good.fits --init-weights none.pt -o out.fits
expect 2 "patch comes with --init-weights"       -- train --training-set good.fits --init-weights good.fits --patch-radius 3 -o out.fits
expect 2 "--threads 100000: more than 16 x"      -- --threads 100000 ks -i good.fits --preset cosmos --pixel 1 -o out.fits

expect 3 "HDU 99999999999999999999.*only 2 HDUs"  -- ks -i good.fits --preset cosmos --pixel 1 --hdu 99999999999999999999 -o out.fits
expect 2 "--config.*good.fits.*not a TOML/INI"   -- --config good.fits ks -i good.fits --preset cosmos --pixel 1 -o out.fits
expect 2 "--config.*/dev/zero.*not a regular"    -- --config /dev/zero ks -i good.fits --preset cosmos --pixel 1 -o out.fits
# Survey maps in regions: region and output nside, conflicting options.
expect 2 "--regions: the region nside must be a power of two" -- ks -i good.fits --preset cosmos --regions 3 --nside 64 --pixel 1 -o out.fits
expect 2 "--nside.*power of two"                  -- ks -i good.fits --preset cosmos --regions 4 --nside 100 --pixel 1 -o out.fits
expect 2 "--nside: the output nside must be at least" -- ks -i good.fits --preset cosmos --regions 16 --nside 8 --pixel 1 -o out.fits
expect 2 "--regions: flat regions replace --sphere" -- ks -i good.fits --preset cosmos --regions 8 --sphere --pixel 1 -o out.fits
expect 2 "--margin: at least 0.25 deg with --large-scales sphere" -- ks -i good.fits --preset cosmos --regions 16 --nside 512 --pixel 1 --margin 0.1 -o out.fits
expect 2 "--large-scales.*not in"             -- ks -i good.fits --preset cosmos --regions 16 --nside 512 --pixel 1 --large-scales disc -o out.fits
expect 2 "--region-memory: between 0.0001 and"   -- ks -i good.fits --preset cosmos --regions 16 --nside 512 --pixel 1 --region-memory 0 -o out.fits
expect 2 "--pixel: the regions' input pixel"      -- ks -i good.fits --preset cosmos --regions 8 --nside 64 -o out.fits
expect 2 "--reread-catalogue: only with --regions" -- ks -i good.fits --preset cosmos --pixel 1 --reread-catalogue -o out.fits
# Options that mean nothing in the chosen mode are refused, naming the mode (never accepted and ignored).
expect 2 "--noise-realisations: on a flat patch or with --regions" -- ks -i good.fits --preset cosmos --sphere --nside 64 --noise-realisations 5 -o out.fits
expect 2 "--intervals: posterior intervals and samples of the Wiener filter" -- ks -i good.fits --preset cosmos --pixel 1 --intervals -o out.fits
expect 2 "--samples: not with --sphere" -- ks -i good.fits --preset cosmos --sphere --nside 64 --wiener limber --samples 4 -o out.fits
expect 2 "--samples" -- ks -i good.fits --preset cosmos --pixel 1 --wiener limber --samples 0 -o out.fits
expect 2 "--margin: only with --regions.*one flat patch" -- ks -i good.fits --preset cosmos --pixel 1 --margin 2 -o out.fits
expect 2 "--margin: only with --regions.*one HEALPix map" -- ks -i good.fits --preset cosmos --sphere --nside 64 --margin 2 -o out.fits
expect 2 "--npix: not with --sphere.*one HEALPix map" -- ks -i good.fits --preset cosmos --sphere --nside 64 --npix 32 -o out.fits
expect 2 "--lmax: only with --sphere.*one flat patch" -- ks -i good.fits --preset cosmos --pixel 1 --lmax 64 -o out.fits
expect 2 "--nside: only with --sphere or --regions" -- ks -i good.fits --preset cosmos --pixel 1 --nside 64 -o out.fits
expect 2 "--partial: not with --regions"            -- ks -i good.fits --preset cosmos --regions 16 --nside 64 --pixel 4 --partial -o out.fits
expect 2 "--resume: only with --regions.*this .map. makes one flat patch" -- map -i good.fits --preset cosmos --npix 16 --resume -o out.fits
expect 2 "--noise-seed: only with --regions"        -- map -i good.fits --preset cosmos --npix 16 --noise-seed 3 -o out.fits
expect 2 "--reread-catalogue: not with a flat mosaic" -- map -i good.fits --preset cosmos --regions 16 --out-pixel 2 --reread-catalogue --model "$compact" -o out.fits
expect 2 "--regions 1: regions plus margin span more than 60 deg; use a finer region nside or a smaller --margin" -- ks -i good.fits --preset cosmos --regions 1 --nside 64 --pixel 1 -o out.fits

# Several catalogues with different columns: the file without the preset's column is named (regions too).
"$make_catalogue" -o other_columns.fits --preset des --npix 16 --pixel 1 --density 5 >/dev/null || exit 1
expect 3 "other_columns.fits.*column 'E1'.*no such column" -- ks -i good.fits other_columns.fits --preset cosmos --regions 16 --nside 256 --pixel 2 -o out.fits

# Options where 0 used to mean "not given" silently, and --size overriding --npix without a word.
expect 2 "--npix: must be > 0 \(leave the option out" -- ks -i good.fits --preset cosmos --pixel 1 --npix 0 -o out.fits
expect 2 "--size: must be > 0"                    -- ks -i good.fits --preset cosmos --pixel 1 --size 0 -o out.fits
expect 2 "--out-npix: must be > 0"                -- map -i good.fits --preset cosmos --out-npix 0 -o out.fits
expect 2 "--sigma-e: must be > 0"                 -- map -i good.fits --preset cosmos --sigma-e 0 -o out.fits
expect 2 "--lmax: the spin-2 .*needs lmax >= 2"  -- ks -i good.fits --preset cosmos --sphere --nside 16 --lmax 1 -o out.fits
expect 2 "--lmax: must be > 0"                    -- ks -i good.fits --preset cosmos --sphere --lmax 0 -o out.fits
expect 2 "--stop-after: must be > 0"              -- train --training-set good.fits --stop-after 0 -o out.fits
expect 2 "--size, --npix, --pixel: give two"      -- ks -i good.fits --preset cosmos --center 0 0 --size 1 --npix 32 --pixel 1 -o out.fits
expect 2 "--size: give --center too"              -- ks -i good.fits --preset cosmos --size 1 --pixel 1 -o out.fits
truncate -s 3G endless.toml
expect 2 "--config.*endless.toml.*at most 1 MiB"  -- --config endless.toml ks -i good.fits --preset cosmos --pixel 1 -o out.fits
rm -f endless.toml
# A table header claiming 10^12 rows (CFITSIO trusts NAXIS2; the reader used to end in std::bad_alloc).
/usr/bin/python3 - <<'PY' || exit 1
data = bytearray(open("good.fits", "rb").read())
at = data.find(b"NAXIS2  =", 2880)
card = b"NAXIS2  = %20d" % 10**12
data[at:at + len(card)] = card
open("huge_rows.fits", "wb").write(data)
PY
expect 3 "huge_rows.fits.*claims 1000000000000 rows.*corrupt NAXIS2" -- ks -i huge_rows.fits --preset cosmos --pixel 1 -o out.fits

# Columns and pixels that would give a silently wrong answer.
/usr/bin/python3 - <<'PY' || exit 1
import numpy as np
from astropy.io import fits
good = fits.open("good.fits")[1]
cols = [fits.Column(name=c.name, format="2E" if c.name.upper() == "E1" else c.format,
                    array=np.stack([good.data[c.name]] * 2, axis=1) if c.name.upper() == "E1" else good.data[c.name])
        for c in good.columns]
fits.BinTableHDU.from_columns(cols).writeto("vector_e1.fits")
fits.BinTableHDU.from_columns([c for c in good.columns if c.name.upper() != "WEIGHT"]).writeto("no_weight.fits")
PY
expect 3 "vector_e1.fits.*vector column with 2 values" -- ks -i vector_e1.fits --preset cosmos --pixel 1 -o out.fits
expect 3 "no_weight.fits.*WEIGHT.*absent here but present in good.fits" -- ks -i good.fits no_weight.fits --preset cosmos --pixel 1 -o out.fits
expect 3 "no_weight.fits.*WEIGHT.*absent here but present in good.fits" -- ks -i no_weight.fits good.fits --preset cosmos --pixel 1 -o out.fits
/usr/bin/python3 - <<'PY' || exit 1
from astropy.io import fits
with fits.open("ks_a.fits") as h:
    h["KAPPA_E"].data[3, 4] = float("nan")
    h.writeto("ks_nan.fits")
PY
expect 3 "ks_nan.fits.*1 pixel\(s\) inside the mask are not finite" -- eval --map ks_nan.fits:KAPPA_E --truth ks_a.fits:KAPPA_E -o out

# An output that is an input of the same run, or two outputs in one file: refused even with --overwrite.
cp good.fits input_copy.fits
expect 3 "input_copy.fits.*is also an input"     -- ks -i input_copy.fits --preset cosmos --pixel 1 -o input_copy.fits --overwrite
cmp -s good.fits input_copy.fits || { echo "FAIL: the input catalogue was changed"; failures=$((failures + 1)); }
expect 2 "--truth/--output.*two different files" -- simulate catalogue --npix 32 --truth out.fits -o out.fits --overwrite

"$lofimap" -q simulate training-set -o tiny.h5 --maps 6 --npix 16 --pixel 1 --density 20 --lambda 1 >/dev/null 2>&1
# Requests larger than the machine: refused before anything is allocated or written, naming the option and size.
expect 2 "--global-batch: must lie between 1 and 65536 maps" -- train --training-set tiny.h5 --maps-per-step 1000000 -o out.fits
expect 2 "--micro-batch x --coords-per-map.*GiB of memory"   -- train --training-set tiny.h5 --micro-batch 1000 --coords-per-map 1000000 -o out.fits
expect 2 "--micro-batch x --coords-per-map.*of memory"       -- train --training-set tiny.h5 --coords-per-map 1000000000 -o out.fits
expect 2 "output grid of 1000000 x 1000000.*of memory"       -- map -i good.fits --preset cosmos --out-npix 1000000 -o out.fits
expect 2 "output grid of .*--out-pixel.*of memory"           -- map -i good.fits --preset cosmos --out-pixel 1e-4 -o out.fits
expect 2 "--points: between 2 and 1,000,000"                 -- simulate cl --points 2000000000 -o out.fits
expect 2 "--density .*of disk for out.fits"                  -- simulate catalogue --npix 256 --density 1e12 -o out.fits

# A learning rate that makes the loss blow up: the run fails (exit 1) and writes no model.
expect 1 "diverged at step"                      -- train --training-set tiny.h5 --validation-maps 2 --lr 1e30 --steps 5 -o out.fits
rm -f out.fits.log.csv out.fits.checkpoint

# Options of the LibTorch commands are checked before the plugin is loaded: with the plugin made unloadable, a
# bad option still gets its own message (and a good one reaches the loader, which names the library).
export LOFIMAP_TORCH_PLUGIN=$work/no_such_plugin.so
expect 2 "--batch: must be >= 1"                 -- map -i good.fits --preset cosmos --batch 0 -o out.fits
expect 2 "--preset.*unknown survey preset"       -- map -i good.fits --preset nope -o out.fits
expect 2 "--steps: must be >= 1"                 -- train --training-set good.fits --steps 0 -o out.fits
expect 1 "cannot load the LibTorch runtime.*no_such_plugin" -- map -i good.fits --preset cosmos -o out.fits
unset LOFIMAP_TORCH_PLUGIN

# One valid but far row (Dec -60 among galaxies near Dec 0) and one with RA 1e300: the map covers the real
# footprint (the far galaxy is left out with a warning, the broken row is rejected and counted), exit 0.
/usr/bin/python3 - <<'PY' || exit 1
from astropy.io import fits
import numpy as np
with fits.open("good.fits") as h:
    d = h[1].data.copy()
    header = h[1].header
d[0]["DEC"] = -60.0
d[1]["RA"] = 1e300
fits.BinTableHDU(d, header=header).writeto("outliers.fits", overwrite=True)
PY
"$lofimap" ks -i good.fits --preset cosmos --pixel 1 -o clean_ks.fits --no-png >clean.txt 2>&1
"$lofimap" ks -i outliers.fits --preset cosmos --pixel 1 -o outlier_ks.fits --no-png >outliers.txt 2>&1
rc=$?
if [ "$rc" -ne 0 ] || ! grep -q "1 of .* galaxies lie far outside the bulk.*Dec -60" outliers.txt ||
   ! grep -q "RA outside \[-360, 720\] 1" outliers.txt ||
   [ "$(grep -o '[0-9]* x [0-9]* pixels' outliers.txt)" != "$(grep -o '[0-9]* x [0-9]* pixels' clean.txt)" ]; then
  echo "FAIL (outlier rows): exit $rc"; cat outliers.txt; failures=$((failures + 1))
else
  echo "ok   (one far row left out, one RA 1e300 rejected; the same grid as without them) -> exit 0"
fi

# Existing output without --overwrite: refused, and the old file is left byte for byte.
echo "precious earlier result" > existing.fits
before=$(sha256sum existing.fits)
"$lofimap" ks -i good.fits --preset cosmos --pixel 1 -o existing.fits >stdout.txt 2>&1
rc=$?
if [ "$rc" -ne 3 ] || ! grep -q "already exists.*--overwrite" stdout.txt || [ "$(sha256sum existing.fits)" != "$before" ]; then
  echo "FAIL (existing output): exit $rc"; cat stdout.txt; failures=$((failures + 1))
else
  echo "ok   (existing output kept without --overwrite) -> exit 3"
fi
if ls .existing* >/dev/null 2>&1; then echo "FAIL: temporary file left behind"; failures=$((failures + 1)); fi

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
