#!/usr/bin/python3
"""Compares the data of every FITS product in two folders (e.g. the demo's out/demo before and after a change):
per HDU, whether the arrays are bit-identical, else the largest absolute difference relative to the data's
range. Headers are not compared (they carry dates and the git revision).
Usage: compare_products.py DIR_A DIR_B"""
import pathlib
import sys

import numpy as np
from astropy.io import fits


def main(a_dir, b_dir):
    a_dir, b_dir = pathlib.Path(a_dir), pathlib.Path(b_dir)
    worst = 0
    for a in sorted(a_dir.glob("*.fits")):
        b = b_dir / a.name
        if not b.exists():
            print(f"{a.name}: missing in {b_dir}")
            worst = max(worst, 2)
            continue
        with fits.open(a) as fa, fits.open(b) as fb:
            if len(fa) != len(fb):
                print(f"{a.name}: {len(fa)} vs {len(fb)} HDUs")
                worst = max(worst, 2)
                continue
            for i, (ha, hb) in enumerate(zip(fa, fb)):
                if ha.data is None and hb.data is None:
                    continue
                name = ha.header.get("EXTNAME", str(i))
                if ha.data.dtype.names:  # table: compare column by column
                    columns = [(c, np.asarray(ha.data[c]), np.asarray(hb.data[c])) for c in ha.data.dtype.names]
                else:
                    columns = [("", np.asarray(ha.data), np.asarray(hb.data))]
                for col, x, y in columns:
                    label = f"{a.name}[{name}]{'.' + col if col else ''}"
                    if x.shape != y.shape:
                        print(f"{label}: shape {x.shape} vs {y.shape}")
                        worst = max(worst, 2)
                    elif x.tobytes() == y.tobytes():
                        print(f"{label}: bit-identical")
                    else:
                        span = float(np.nanmax(x) - np.nanmin(x)) or 1.0
                        diff = float(np.nanmax(np.abs(x.astype(float) - y.astype(float)))) / span
                        print(f"{label}: differs, max |a-b| / range = {diff:.3g}")
                        worst = max(worst, 1)
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
