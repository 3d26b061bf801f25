// The size of a zero-padded FFT grid, shared by every flat transform (KS, smoothing, Wiener, region grids).
#pragma once

namespace lofimap::pipeline {

// At least pad * n, rounded up to a product of 2, 3, 5 and 7 (FFTW's fast sizes); throws
// std::invalid_argument naming --pad when pad < 1.
long padded_fft_size(long n, double pad);

}  // namespace lofimap::pipeline
