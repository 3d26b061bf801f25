#include "pipeline/flat/flat_binning.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "pipeline/core/prefaulted_allocator.hpp"

namespace lofimap::pipeline {

namespace {

// Galaxies arrive in random sky order, so accumulating straight into a large map misses the cache on every
// galaxy. Instead each chunk of galaxies is (1) projected to pixel indices in parallel, (2) scattered into
// blocks of 4096 pixels (128 KiB of sums, cache-resident), (3) accumulated block by block, blocks in parallel
// (disjoint pixel ranges, so no locks). Measured 2.5x faster than direct accumulation at 1024^2 pixels.
constexpr std::size_t kBlockPixels = 4096;
constexpr std::size_t kChunk = 1u << 20;
constexpr std::uint32_t kOutside = 0xFFFFFFFFu;

struct Entry {
  std::uint32_t pixel;
  float pad_;  // keeps the three sums 8-byte aligned
  double wg1, wg2, w;
};

}  // namespace

FlatShearGrid bin_flat(const ShearCatalogue& g, const FlatGrid& patch,
                       const distributed::Communicator& comm) {
  FlatShearGrid grid;
  grid.patch = patch;
  const std::size_t n = static_cast<std::size_t>(patch.nx * patch.ny);
  // Per pixel, interleaved: w g1, w g2, w, count (one cache line holds two pixels).
  std::vector<double, PrefaultedAllocator<double>> acc(4 * n, 0.0);
  const GnomonicProjector project(patch.centre);
  const std::size_t nblocks = (n + kBlockPixels - 1) / kBlockPixels;
  std::vector<std::uint32_t> pixel(std::min(kChunk, g.size()));
  std::vector<Entry> entries(pixel.size());
  std::vector<std::size_t> offsets(nblocks + 1);
  long long outside = 0;

  for (std::size_t begin = 0; begin < g.size(); begin += kChunk) {
    const std::size_t m = std::min(kChunk, g.size() - begin);
#pragma omp parallel reduction(+ : outside) if (m > 50000)
    {
      constexpr std::size_t kBatch = 1024;  // positions projected at once
      double xs[kBatch], ys[kBatch];
#pragma omp for schedule(static)
      for (std::size_t b = 0; b < m; b += kBatch) {
        const std::size_t nb = std::min(kBatch, m - b);
        project.project(&g.ra_deg[begin + b], &g.dec_deg[begin + b], nb, xs, ys);
        for (std::size_t j = 0; j < nb; ++j) {
          long ix = 0, iy = 0;
          if (patch.pixel_of(xs[j], ys[j], ix, iy)) {  // x NaN: far side
            pixel[b + j] = static_cast<std::uint32_t>(iy * patch.nx + ix);
          } else {
            pixel[b + j] = kOutside;
            ++outside;
          }
        }
      }
    }
    // Counting sort by block, in parallel: each thread counts its own contiguous range of galaxies, then
    // writes them at offsets[block] + (what the earlier threads put in that block).
    const int threads = m > 50000 ? omp_get_max_threads() : 1;
    std::vector<std::size_t> counts(static_cast<std::size_t>(threads) * nblocks, 0);
#pragma omp parallel num_threads(threads)
    {
      const std::size_t t = static_cast<std::size_t>(omp_get_thread_num());
      const std::size_t lo = m * t / static_cast<std::size_t>(threads),
                        hi = m * (t + 1) / static_cast<std::size_t>(threads);
      std::size_t* mine = &counts[t * nblocks];
      for (std::size_t i = lo; i < hi; ++i)
        if (pixel[i] != kOutside) ++mine[pixel[i] / kBlockPixels];
#pragma omp barrier
#pragma omp single
      {
        std::size_t total = 0;
        for (std::size_t b = 0; b < nblocks; ++b) {
          offsets[b] = total;
          for (std::size_t u = 0; u < static_cast<std::size_t>(threads); ++u) {
            const std::size_t c = counts[u * nblocks + b];
            counts[u * nblocks + b] = total;  // becomes thread u's cursor in block b
            total += c;
          }
        }
        offsets[nblocks] = total;
      }
      for (std::size_t i = lo; i < hi; ++i) {
        if (pixel[i] == kOutside) continue;
        const std::size_t k = begin + i;
        const double w = g.weight[k];
        entries[mine[pixel[i] / kBlockPixels]++] = {pixel[i], 0.0f, w * g.g1[k], w * g.g2[k], w};
      }
    }
#pragma omp parallel for schedule(dynamic) if (m > 50000)
    for (std::size_t b = 0; b < nblocks; ++b) {
      for (std::size_t j = offsets[b]; j < offsets[b + 1]; ++j) {
        const Entry& e = entries[j];
        double* cell = &acc[4 * static_cast<std::size_t>(e.pixel)];
        cell[0] += e.wg1;
        cell[1] += e.wg2;
        cell[2] += e.w;
        cell[3] += 1;
      }
    }
  }

  std::vector<double> sums(4 * n);
  for (std::size_t k = 0; k < n; ++k) {
    sums[k] = acc[4 * k];
    sums[n + k] = acc[4 * k + 1];
    sums[2 * n + k] = acc[4 * k + 2];
    sums[3 * n + k] = acc[4 * k + 3];
  }
  comm.reduce_sum_to_root(sums.data(), sums.size());
  comm.allreduce_sum(&outside, 1);
  grid.outside = outside;
  grid.g1.assign(sums.begin(), sums.begin() + static_cast<long>(n));
  grid.g2.assign(sums.begin() + static_cast<long>(n), sums.begin() + static_cast<long>(2 * n));
  grid.weight.assign(sums.begin() + static_cast<long>(2 * n), sums.begin() + static_cast<long>(3 * n));
  grid.count.assign(sums.begin() + static_cast<long>(3 * n), sums.end());
  for (std::size_t k = 0; k < n; ++k) {
    if (grid.weight[k] > 0) {
      grid.g1[k] /= grid.weight[k];
      grid.g2[k] /= grid.weight[k];
    }
  }
  return grid;
}

}  // namespace lofimap::pipeline
