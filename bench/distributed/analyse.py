#!/usr/bin/python3
"""Reads bench/distributed/run.sh's training logs: median step time (steps 4-13: after warm-up, before the last
step's validation) per configuration and repeat, the reducer's exposed wait per step, the speed-up of 2 ranks;
the 1- vs 2-rank validation curves; and a projection of data-parallel efficiency on GPU nodes.
Usage: analyse.py WORK_DIR REPEATS"""
import csv
import re
import statistics
import sys


def steps(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [(int(r["step"]), float(r["seconds"]), float(r["reduce_wait_seconds"]), float(r["loss"]),
             float(r["val_pearson"]), float(r["val_rmse"])) for r in rows]


def step_time(path):
    s = steps(path)
    dt = [s[i][1] - s[i - 1][1] for i in range(4, 13)]
    wait = [s[i][2] - s[i - 1][2] for i in range(4, 13)]
    return statistics.median(dt), statistics.median(wait)


def main(work, repeats):
    table = {}
    for name in ("r1", "r2", "r2off"):
        table[name] = [step_time(f"{work}/{name}_{rep}.pt.log.csv") for rep in range(1, repeats + 1)]
    text = open(f"{work}/r2_1.txt").read()
    m = re.search(r"\(([0-9]+) buckets, ([0-9.]+) MiB per step", text)
    print(f"gradient sums: {m.group(2)} MiB per step in {m.group(1)} buckets (published size)")
    print("config            step time [s] (median of steps 4-13, per repeat)   exposed wait per step [s]")
    for name, label in (("r1", "1 rank"), ("r2", "2 ranks, overlap"), ("r2off", "2 ranks, no overlap")):
        times = ", ".join(f"{t:.3f}" for t, _ in table[name])
        waits = ", ".join(f"{w:.4f}" for _, w in table[name])
        print(f"{label:18s}{times:52s}{waits}")
    for name in ("r2", "r2off"):
        ratios = [table["r1"][i][0] / table[name][i][0] for i in range(repeats)]
        share = [table[name][i][1] / table[name][i][0] for i in range(repeats)]
        print(f"speed-up 1 -> 2 ranks ({name}): {statistics.median(ratios):.2f} (range {min(ratios):.2f}-"
              f"{max(ratios):.2f}); exposed reduction share of the step {100 * statistics.median(share):.1f}%")
    c1, c2 = steps(f"{work}/curve1.pt.log.csv"), steps(f"{work}/curve2.pt.log.csv")
    print("validation curve (compact, global batch 16): step, val r on 1 rank, on 2 ranks, |diff|")
    worst = 0
    for a, b in zip(c1, c2):
        if a[4] == a[4]:  # not NaN: a validation step
            worst = max(worst, abs(a[4] - b[4]))
            if a[0] % 50 == 0 or a[0] == c1[-1][0]:
                print(f"  {a[0]:4d}  {a[4]:.4f}  {b[4]:.4f}  {abs(a[4] - b[4]):.1e}")
    print(f"largest |diff| of val r over the curve: {worst:.1e}; final losses {c1[-1][3]:.6f} vs {c2[-1][3]:.6f}")

    # Projection: ring all-reduce of S bytes over N GPUs, one per node (NCCL over InfiniBand NDR 400 Gb/s,
    # ~45 GB/s achieved bus bandwidth per NIC and ~20 us per ring step: NVIDIA's nccl-tests figures for
    # NDR), against the compute of one step on an H100 at an assumed 40% of its 495 TFLOP/s dense TF32.
    S = float(m.group(2)) * (1 << 20)
    flops_per_query = 2 * 0  # filled below from the published network's layer sizes
    angles, rings, channels = 9, 9, 5
    sizes = [370, 370, 370, 100]
    fin = channels * rings
    for s_ in sizes:
        flops_per_query += 2 * angles * fin * s_
        fin = s_
    fin = angles * 100
    for s_ in [370, 370, 370, 1]:
        flops_per_query += 2 * fin * s_
        fin = s_
    print(f"\nprojection (published size, {flops_per_query / 1e6:.1f} MFLOP per query forward, x3 with backward):")
    print("  per-GPU queries/step  compute [ms]  N  all-reduce [ms]  efficiency (sums after backward / overlapped)")
    for per_gpu in (16 * 4096, 16 * 16384):
        compute = 3 * flops_per_query * per_gpu / (0.4 * 495e12)
        for n in (4, 8, 16, 32, 64):
            comm = 2 * (n - 1) / n * S / 45e9 + 2 * (n - 1) * 20e-6
            no_overlap = compute / (compute + comm)
            # With overlap, every bucket but the last can hide behind the rest of backward (~2/3 of the step);
            # the last bucket holds the first layers' gradients, ready only when backward ends: its sum stays
            # exposed. At 13.8 MiB the buckets are 1 MiB and 12.8 MiB.
            last = S - (1 << 20)
            exposed = 2 * (n - 1) / n * last / 45e9 + 2 * (n - 1) * 20e-6
            overlap = compute / (compute + max(exposed, comm - 2 / 3 * compute))
            print(f"  {per_gpu:20d}  {1e3 * compute:12.1f}  {n:2d}  {1e3 * comm:15.2f}  {100 * no_overlap:5.1f}% / "
                  f"{100 * overlap:5.1f}%")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
