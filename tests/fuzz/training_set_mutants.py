#!/usr/bin/python3
"""Byte-flipped HDF5 training sets: `lofimap ks-smoothing` (which opens the set and reads every dataset of its
maps through io::TrainingSetReader) must end every mutant with exit 0 or a clear error (exit 2 or 3), never a
signal (a crash inside HDF5), a hang or `terminate`. Mutants are seeded: a failure names the seed, the offsets and
the bytes, so it can be replayed. The flipped bytes favour the file's metadata (superblock, object headers,
B-trees, chunk index), where a wrong value is dangerous, over the compressed chunk data.
Usage: training_set_mutants.py LOFIMAP [MUTANTS] [SEED]"""
import os
import random
import subprocess
import sys
import tempfile


def main(lofimap, mutants=300, seed=1):
    work = tempfile.mkdtemp(prefix="lofimap-fuzz-h5.")
    clean = os.path.join(work, "tiny.h5")
    subprocess.run([lofimap, "-q", "simulate", "training-set", "-o", clean, "--maps", "12", "--npix", "32",
                    "--pixel", "1", "--density", "20", "30", "--sigma-e", "0.26", "0.26", "--lambda", "1"],
                   check=True)
    original = open(clean, "rb").read()
    rng = random.Random(seed)
    failures, outcomes = [], {}
    for i in range(mutants):
        data = bytearray(original)
        flips = []
        for _ in range(rng.randint(1, 3)):
            # Three in four flips land in the first 4 KiB and the last 2 KiB (metadata), the rest anywhere.
            if rng.random() < 0.75:
                pos = rng.randrange(min(4096, len(data))) if rng.random() < 0.7 else len(data) - 1 - rng.randrange(2048)
            else:
                pos = rng.randrange(len(data))
            value = rng.choice([0x00, 0xff, 0x7f, 0x80, rng.randrange(256)])
            flips.append((pos, data[pos], value))
            data[pos] = value
        mutant = os.path.join(work, "mutant.h5")
        with open(mutant, "wb") as f:
            f.write(data)
        try:
            r = subprocess.run([lofimap, "--threads", "1", "ks-smoothing", "--training-set", mutant, "--maps", "2",
                                "--sigma", "1", "2"], capture_output=True, text=True, timeout=30)
            rc = r.returncode
            text = r.stdout + r.stderr
        except subprocess.TimeoutExpired:
            rc, text = "timeout", ""
        outcomes[rc] = outcomes.get(rc, 0) + 1
        bad = rc == "timeout" or rc < 0 or rc not in (0, 2, 3) or "terminate called" in text
        if bad:
            failures.append(f"mutant {i} (seed {seed}): exit {rc}, flips (offset, old, new) {flips}\n{text[-400:]}")
    leftovers = [f for f in os.listdir(work) if f not in ("tiny.h5", "mutant.h5")]
    if leftovers:
        failures.append(f"files left behind: {leftovers}")
    print(f"{mutants} mutants of a {len(original)}-byte training set: exit codes {dict(sorted(outcomes.items(), key=str))}")
    for f in failures:
        print("FAIL", f)
    for f in os.listdir(work):
        os.remove(os.path.join(work, f))
    os.rmdir(work)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300,
                  int(sys.argv[3]) if len(sys.argv) > 3 else 1))
