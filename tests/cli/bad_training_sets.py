#!/usr/bin/python3
"""Training sets that are HDF5 files but not what lofimap wrote (built with h5py from a good one), or hold values
a simulation cannot produce (NaN, negative counts): each must be
refused with exit 3 and a message naming the dataset or attribute, by `ks-smoothing` and by `train` (which also
checks its options and files before loading LibTorch), never a crash.
Usage: bad_training_sets.py LOFIMAP"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np


def with_value(array, value):
    """A copy with the first element of map 0 replaced."""
    out = array.copy()
    out.flat[0] = value
    return out


def rewrite(src, dst, name, data=None, attr=None):
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        if attr is not None:
            del f.attrs[attr[0]]
            f.attrs[attr[0]] = attr[1]
        if data is not None:
            del f[name]
            f.create_dataset(name, data=data)


def main(lofimap):
    work = tempfile.mkdtemp(prefix="lofimap-bad-sets.")
    good = os.path.join(work, "good.h5")
    subprocess.run([lofimap, "-q", "simulate", "training-set", "-o", good, "--maps", "6", "--npix", "16",
                    "--pixel", "1", "--density", "20", "--lambda", "1"], check=True)
    with h5py.File(good, "r") as f:
        mask, counts, ks, shear = f["mask"][()], f["counts"][()], f["ks"][()], f["shear"][()]
    cases = [
        ("mask 46-byte strings", "mask", mask.astype("S46"), None, "/mask.*string of size 46 bytes, expected uint8"),
        ("counts as float64", "counts", counts.astype(np.float64), None, "/counts.*float of size 8 bytes, expected float32"),
        ("ks with 3 dimensions", "ks", ks[:, 0], None, "/ks.*4 dimensions"),
        ("shear for 5 maps", "shear", shear[:5], None, "/shear.*extent 5"),
        ("mask of 8 x 8 pixels", "mask", mask[:, :8, :8], None, "/mask.*extent 8"),
        ("pixel_arcmin -1", None, None, ("pixel_arcmin", -1.0), "pixel_arcmin.*not in"),
        ("a NaN in /ks", "ks", with_value(ks, np.nan), None, "reading map 0.*/ks holds 1 values that are not finite"),
        ("negative counts", "counts", with_value(counts, -3.0), None, "reading map 0.*negative galaxy counts"),
        ("pixel_arcmin as text", None, None, ("pixel_arcmin", "one"), "pixel_arcmin.*not a single number"),
    ]
    failures = 0
    for label, name, data, attr, pattern in cases:
        bad = os.path.join(work, "bad.h5")
        rewrite(good, bad, name, data, attr)
        for args in (["ks-smoothing", "--training-set", bad, "--maps", "2"],
                     ["train", "--training-set", bad, "--validation-maps", "2", "--steps", "1", "--overwrite", "-o",
                      os.path.join(work, "m.pt")]):
            r = subprocess.run([lofimap] + args, capture_output=True, text=True, timeout=120)
            text = r.stdout + r.stderr
            ok = r.returncode == 3 and re.search(pattern, text)
            print(f"{'ok  ' if ok else 'FAIL'} {label}: {args[0]} -> exit {r.returncode}: {text.strip()[-200:]}")
            failures += not ok
    shutil.rmtree(work)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
