#!/usr/bin/env bash
# An installed lofimap is relocatable: installed into one prefix and moved to another, it finds its LibTorch
# plugin and the shipped default model relative to its own executable (not through the build or source tree),
# and maps a catalogue with that model.
set -euo pipefail
build=$1
make_catalogue=$2
work=$(mktemp -d /tmp/lofimap-installed.XXXXXX)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/first" >/dev/null
mv "$work/first" "$work/moved"
lofimap="$work/moved/bin/lofimap"
version=$("$lofimap" version)
echo "$version"
grep -q "plugin    $work/moved/lib/liblofimap_torch.so" <<<"$version" || { echo "FAIL: plugin not found in the moved prefix"; exit 1; }
grep -q "model     $work/moved/share/lofimap/models/default.pt" <<<"$version" || { echo "FAIL: default model not found in the moved prefix"; exit 1; }
"$make_catalogue" -o "$work/cat.fits" --preset cosmos --npix 32 --pixel 1 --density 20 >/dev/null
"$lofimap" -q map -i "$work/cat.fits" --preset cosmos --npix 32 --no-png -o "$work/lofi.fits"
/usr/bin/python3 - "$work/lofi.fits" "$work/moved/share/lofimap/models/default.pt" <<'PY'
import sys
from astropy.io import fits
h = fits.open(sys.argv[1])
assert h[0].header["LMMODEL"] == sys.argv[2], h[0].header["LMMODEL"]
assert h["KAPPA"].data.shape == (32, 32)
print("map from the installed default model:", h[0].header["LMMODEL"])
PY
echo "ok"
