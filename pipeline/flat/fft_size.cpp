#include "pipeline/flat/fft_size.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace lofimap::pipeline {

long padded_fft_size(long n, double pad) {
  if (!(pad >= 1)) throw std::invalid_argument("--pad: zero-padding factor must be >= 1");
  long target = static_cast<long>(std::ceil(static_cast<double>(n) * pad));
  for (long m = std::max(target, 1L);; ++m) {
    long r = m;
    for (long p : {2L, 3L, 5L, 7L})
      while (r % p == 0) r /= p;
    if (r == 1) return m;
  }
}

}  // namespace lofimap::pipeline
