#include "pipeline/flat/flat_peaks.hpp"

#include <algorithm>
#include <cmath>

namespace lofimap::pipeline {

std::vector<long> flat_peaks(const std::vector<double>& value, const std::vector<char>& inside, long nx,
                             long ny, double threshold) {
  std::vector<long> peaks;
  const auto usable = [&](long i) {
    return inside[static_cast<size_t>(i)] && std::isfinite(value[static_cast<size_t>(i)]);
  };
  for (long iy = 1; iy + 1 < ny; ++iy)
    for (long ix = 1; ix + 1 < nx; ++ix) {
      const long i = iy * nx + ix;
      const double v = value[static_cast<size_t>(i)];
      if (!usable(i) || !(v >= threshold)) continue;
      bool peak = true;
      for (long dy = -1; dy <= 1 && peak; ++dy)
        for (long dx = -1; dx <= 1 && peak; ++dx) {
          if (dx == 0 && dy == 0) continue;
          const long j = i + dy * nx + dx;
          const double w = value[static_cast<size_t>(j)];
          // A neighbour earlier in pixel order must be lower, a later one not higher: one peak per plateau.
          peak = usable(j) && (j < i ? w < v : w <= v);
        }
      if (peak) peaks.push_back(i);
    }
  std::stable_sort(peaks.begin(), peaks.end(), [&](long a, long b) {
    return value[static_cast<size_t>(a)] > value[static_cast<size_t>(b)];
  });
  return peaks;
}

}  // namespace lofimap::pipeline
