#!/usr/bin/python3
"""The peer of `lofimap-bench-lofi train-step`: one training step of the official LoFi code (the public
repository AmirEhsan95/LoFi, run as it is, never copied) at the published size of the mass-mapping task
(MultiMLP, 9 rings x 9 angles, 370-wide layers, 3 hidden layers, Fourier filter, learned round patch; 64 maps
x 512 coordinates on 128^2 inputs with 2 channels, L1 loss, Adam), on the CPU with Debian's python3-torch.

Usage: official_train_step.py CHECKOUT THREADS [STEPS]
Prints one line per timed step and the median: "official train step: median X s (steps ...)".
"""
import statistics
import sys
import time

import torch


def main():
    checkout, threads = sys.argv[1], int(sys.argv[2])
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    sys.path.insert(0, checkout)
    from model import LoFi  # the official module, from the checkout

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = LoFi(image_size=128, c_in=2, c_out=1, network='MultiMLP', hidden_dim=370, num_layers=3,
                 patch_shape='round', fourier_filtering=True, recep_scale=1, residual_learning=False,
                 learned_geo=True, N=9, M=9)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    maps, coords, size = 64, 512, 128
    images = torch.randn(maps, 2, size, size) * 0.02
    truth = torch.randn(maps, coords, 1) * 0.02
    times = []
    for step in range(steps + 1):  # the first step warms up (allocations, thread pool) and is not timed
        batch_coords = torch.rand(maps, coords, 2) - 0.5  # the official code's [-0.5, 0.5) pixel coordinates
        start = time.perf_counter()
        optimizer.zero_grad()
        out = model(batch_coords, images)
        loss = torch.nn.functional.l1_loss(truth.reshape(maps, -1), out.reshape(maps, -1))
        loss.backward()
        optimizer.step()
        elapsed = time.perf_counter() - start
        if step > 0:
            times.append(elapsed)
    print("official train step: median %.3f s (steps %s; torch %s, %d threads)" %
          (statistics.median(times), ", ".join("%.3f" % t for t in times), torch.__version__, threads))


if __name__ == "__main__":
    main()
