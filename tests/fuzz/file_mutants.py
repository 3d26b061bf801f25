#!/usr/bin/python3
"""Byte-flipped input files: every mutant must end with exit 0 or a clear error (exit 2 or 3), never a signal (a
crash inside CFITSIO, HDF5 or LibTorch), a hang, `terminate` or `bad_alloc`, and must leave no temporary file.
Mutants are seeded: a failure names the seed, the offsets and the bytes, so it can be replayed.

Kinds (the file, and the command that reads it):
  catalogue     a FITS catalogue                      -> lofimap ks
  training-set  an HDF5 training set                  -> lofimap ks-smoothing (reads every dataset of 2 maps)
  model         a LoFi weights file (zip of tensors)  -> lofimap map --model
  region-file   a finished region of an interrupted survey map (<output>.parts/region_N.bin)
                                                      -> lofimap ks --regions --resume; exit 0 must give the map
                                                         of an uninterrupted run, bit for bit
  eval-map      a FITS map (KS image HDUs)            -> lofimap eval --map MUTANT:KAPPA_E --truth
Flips favour the files' metadata (FITS header cards; HDF5 superblock, object headers, B-trees and chunk index;
the zip's local headers and central directory), where a wrong value is dangerous, over the bulk data.
Usage: file_mutants.py LOFIMAP KIND [MUTANTS] [SEED]"""
import concurrent.futures
import os
import random
import subprocess
import sys
import tempfile


def prepare(lofimap, kind, work):
    """The clean file and the command (with MUTANT for the mutant's path) that reads it."""
    catalogue = os.path.join(work, "cat.fits")
    subprocess.run([lofimap, "-q", "simulate", "catalogue", "-o", catalogue, "--npix", "32", "--pixel", "1",
                    "--density", "2", "--no-png"], check=True)
    out = os.path.join(work, "out.fits")
    if kind == "catalogue":
        return catalogue, ["ks", "-i", "MUTANT", "--pixel", "1", "--no-png", "-o", out]
    if kind == "training-set":
        clean = os.path.join(work, "tiny.h5")
        subprocess.run([lofimap, "-q", "simulate", "training-set", "-o", clean, "--maps", "12", "--npix", "32",
                        "--pixel", "1", "--density", "20", "30", "--sigma-e", "0.26", "0.26", "--lambda", "1"],
                       check=True)
        return clean, ["ks-smoothing", "--training-set", "MUTANT", "--maps", "2", "--sigma", "1", "2"]
    if kind == "model":
        clean = os.path.join(work, "model.pt")
        training = os.path.join(work, "tiny.h5")
        subprocess.run([lofimap, "-q", "simulate", "training-set", "-o", training, "--maps", "6", "--npix", "16",
                        "--pixel", "1", "--density", "20", "--lambda", "1"], check=True)
        subprocess.run([lofimap, "-q", "--threads", "1", "train", "--training-set", training, "--validation-maps",
                        "2", "--steps", "1", "--model-size", "compact", "-o", clean], check=True)
        for f in (training, clean + ".log.csv", clean + ".checkpoint"):
            if os.path.exists(f):
                os.remove(f)
        return clean, ["map", "-i", catalogue, "--npix", "32", "--pixel", "1", "--no-png", "--model", "MUTANT",
                       "-o", out]
    if kind == "region-file":
        # Two of the catalogue's regions finished by an interrupted run; the mutant replaces the first one.
        regions = ["ks", "-i", catalogue, "--regions", "16", "--nside", "1024", "--pixel", "2", "--margin", "0.5",
                   "--large-scales", "box"]
        subprocess.run([lofimap, "-q", "--threads", "1"] + regions + ["-o", os.path.join(work, "full.fits")],
                       check=True)
        part = os.path.join(work, "part.fits")
        r = subprocess.run([lofimap, "-q", "--threads", "1"] + regions + ["--stop-after", "2", "-o", part])
        if r.returncode != 4:
            raise SystemExit("the interrupted run did not stop with exit 4")
        folder = part + ".parts"
        finished = sorted(f for f in os.listdir(folder) if f.startswith("region_"))
        kept = {f: open(os.path.join(folder, f), "rb").read() for f in os.listdir(folder)}
        global REGION_SETUP, REFERENCE
        REGION_SETUP = (finished[0], kept)
        REFERENCE = table_data(os.path.join(work, "full.fits"))
        return os.path.join(folder, finished[0]), regions + ["--resume", "-o", out]
    if kind == "eval-map":
        truth = os.path.join(work, "truth.fits")
        cat = os.path.join(work, "cat_eval.fits")
        subprocess.run([lofimap, "-q", "simulate", "catalogue", "-o", cat, "--truth", truth, "--npix", "32",
                        "--pixel", "1", "--center", "150", "2", "--density", "5", "--no-png"], check=True)
        clean = os.path.join(work, "map.fits")
        subprocess.run([lofimap, "-q", "ks", "-i", cat, "--center", "150", "2", "--npix", "32", "--pixel", "1",
                        "--smooth", "2", "--no-png", "-o", clean], check=True)
        # The output stem is the mutant's own folder's "out.fits" (run_one gives each mutant its own).
        return clean, ["eval", "--map", "MUTANT:KAPPA_E", "--truth", truth, "--b-map", "MUTANT:KAPPA_B", "-o", out]
    raise SystemExit(f"unknown kind {kind}")


REGION_SETUP = None  # region-file: (the mutated file's name, every file of the interrupted run's folder)
REFERENCE = None     # region-file: the data of the uninterrupted map's table


def table_data(path):
    """The bytes of the first extension's data (the map's rows), skipping headers that carry dates."""
    raw = open(path, "rb").read()
    pos, hdu = 0, 0
    while pos < len(raw):
        cards, size = {}, None
        while True:
            block = raw[pos:pos + 2880]
            pos += 2880
            ended = False
            for i in range(0, 2880, 80):
                card = block[i:i + 80].decode("ascii", "replace")
                key = card[:8].strip()
                if key == "END":
                    ended = True
                    break
                if card[8:10] == "= ":
                    cards[key] = card[10:].split("/")[0].strip()
            if ended or pos >= len(raw):
                break
        naxis = int(cards.get("NAXIS", "0"))
        size = 0
        if naxis:
            size = abs(int(cards.get("BITPIX", "8"))) // 8
            for k in range(1, naxis + 1):
                size *= int(cards.get(f"NAXIS{k}", "0"))
            size += int(cards.get("PCOUNT", "0"))
        if hdu == 1:
            return raw[pos:pos + size]
        pos += (size + 2879) // 2880 * 2880
        hdu += 1
    return b""


def mutate(original, rng):
    data = bytearray(original)
    flips = []
    for _ in range(rng.randint(1, 3)):
        # Three in four flips land in the first 6 KiB or the last 4 KiB (metadata), the rest anywhere.
        if rng.random() < 0.75:
            pos = rng.randrange(min(6144, len(data))) if rng.random() < 0.6 else len(data) - 1 - rng.randrange(
                min(4096, len(data)))
        else:
            pos = rng.randrange(len(data))
        value = rng.choice([0x00, 0xff, 0x7f, 0x80, 0x39, rng.randrange(256)])
        flips.append((pos, data[pos], value))
        data[pos] = value
    return bytes(data), flips


def run_one(lofimap, command, folder, data):
    """Runs the command on one mutant in its own folder; returns (exit code or 'timeout', output, leftovers)."""
    os.makedirs(folder, exist_ok=True)
    mutant = os.path.join(folder, "mutant")
    if REGION_SETUP:  # the interrupted run's folder beside this mutant's output, the mutant in place
        name, kept = REGION_SETUP
        parts = os.path.join(folder, "out.fits.parts")
        os.makedirs(parts)
        for f, content in kept.items():
            with open(os.path.join(parts, f), "wb") as out:
                out.write(data if f == name else content)
    else:
        with open(mutant, "wb") as f:
            f.write(data)
    args = [a.replace("MUTANT", mutant).replace(os.path.join(os.path.dirname(folder), "out.fits"),
                                                 os.path.join(folder, "out.fits")) for a in command]
    try:
        r = subprocess.run([lofimap, "--threads", "1"] + args, capture_output=True, text=True, timeout=60,
                           errors="replace")
        rc, text = r.returncode, r.stdout + r.stderr
    except subprocess.TimeoutExpired:
        rc, text = "timeout", ""
    leftovers = [f for f in os.listdir(folder) if ".tmp." in f]
    if REFERENCE is not None and rc == 0 and table_data(os.path.join(folder, "out.fits")) != REFERENCE:
        rc, text = "wrong map", text + "\nexit 0 with a map that differs from the uninterrupted run's"
    for root, dirs, files in os.walk(folder, topdown=False):
        for f in files:
            os.remove(os.path.join(root, f))
        for d in dirs:
            os.rmdir(os.path.join(root, d))
    return rc, text, leftovers


def main(lofimap, kind, mutants=200, seed=1):
    work = tempfile.mkdtemp(prefix=f"lofimap-fuzz-{kind}.")
    clean, command = prepare(lofimap, kind, work)
    original = open(clean, "rb").read()
    rng = random.Random(seed)
    cases = [mutate(original, rng) for _ in range(mutants)]
    failures, outcomes, damaged = [], {}, 0
    # Two at a time (the machine has two cores; each run uses one thread).
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(run_one, lofimap, command, os.path.join(work, f"m{i}"),
                               data) for i, (data, _) in enumerate(cases)]
        for i, future in enumerate(futures):
            rc, text, leftovers = future.result()
            outcomes[rc] = outcomes.get(rc, 0) + 1
            damaged += "is damaged" in text
            bad = (rc in ("timeout", "wrong map") or rc < 0 or rc not in (0, 2, 3) or "terminate called" in text or
                   "bad_alloc" in text)
            if bad or leftovers:
                failures.append(f"mutant {i} (seed {seed}): exit {rc}, flips (offset, old, new) {cases[i][1]}, "
                                f"left behind {leftovers}\n{text[-400:]}")
            os.rmdir(os.path.join(work, f"m{i}"))
    print(f"{mutants} mutants of a {len(original)}-byte {kind} file: exit codes "
          f"{dict(sorted(outcomes.items(), key=str))}" +
          (f"; {damaged} reported as damaged and mapped again" if kind == "region-file" else ""))
    for f in failures:
        print("FAIL", f)
    for root, dirs, files in os.walk(work, topdown=False):
        for f in files:
            os.remove(os.path.join(root, f))
        for d in dirs:
            os.rmdir(os.path.join(root, d))
    os.rmdir(work)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 200,
                  int(sys.argv[4]) if len(sys.argv) > 4 else 1))
