// Internal to pipeline/: FFTW plumbing shared by the flat Fourier operators (Kaiser-Squires, forward model,
// smoothing, Gaussian random fields). apply_fourier() filters a complex field a + i b on a zero-padded grid.
#pragma once

#include <fftw3.h>

#include <algorithm>
#include <complex>
#include <mutex>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "pipeline/core/field_pair.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"

namespace lofimap::pipeline::detail {

using cplx = std::complex<double>;

// FFTW's planner is not thread-safe; all planning goes through this lock.
inline std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

// FFTW plans of `howmany` contiguous transforms of length n, in place on `data` (rows of a row-major array).
struct RowPlans {
  fftw_plan forward = nullptr, backward = nullptr;
  RowPlans(cplx* data, int n, int howmany) {
    std::lock_guard<std::mutex> lock(planner_mutex());
    auto* p = reinterpret_cast<fftw_complex*>(data);
    forward =
        fftw_plan_many_dft(1, &n, howmany, p, nullptr, 1, n, p, nullptr, 1, n, FFTW_FORWARD, FFTW_ESTIMATE);
    backward =
        fftw_plan_many_dft(1, &n, howmany, p, nullptr, 1, n, p, nullptr, 1, n, FFTW_BACKWARD, FFTW_ESTIMATE);
  }
  ~RowPlans() {
    std::lock_guard<std::mutex> lock(planner_mutex());
    fftw_destroy_plan(forward);
    fftw_destroy_plan(backward);
  }
  RowPlans(const RowPlans&) = delete;
  RowPlans& operator=(const RowPlans&) = delete;
};

struct FftwArray {
  cplx* data;
  explicit FftwArray(size_t n) : data(static_cast<cplx*>(fftw_malloc(sizeof(cplx) * n))) {
    if (!data) throw std::bad_alloc();
  }
  ~FftwArray() { fftw_free(data); }
  FftwArray(const FftwArray&) = delete;
  FftwArray& operator=(const FftwArray&) = delete;
};

// dst[c * dst_stride + r] = src[r * src_stride + c] for r < rows, c < cols, in cache-sized tiles.
inline void transpose(const cplx* src, long src_stride, cplx* dst, long dst_stride, long rows, long cols) {
  constexpr long kTile = 32;
#pragma omp parallel for schedule(static) if (rows * cols > (1L << 16))
  for (long c0 = 0; c0 < cols; c0 += kTile)
    for (long r0 = 0; r0 < rows; r0 += kTile)
      for (long c = c0; c < std::min(cols, c0 + kTile); ++c)
        for (long r = r0; r < std::min(rows, r0 + kTile); ++r)
          dst[c * dst_stride + r] = src[r * src_stride + c];
}

// Angular wavenumber (radians per pixel) of FFT index i on an n-point axis.
inline double wavenumber(long i, long n) {
  const long f = i <= n / 2 ? i : i - n;
  return 2.0 * std::numbers::pi * static_cast<double>(f) / static_cast<double>(n);
}

// Loads a + i b into a zero-padded grid, applies multiplier(k1, k2, nyquist) in Fourier space, returns the
// crop.
//
// The 2-D FFT is done as contiguous row transforms around explicit transposes: FFTW_ESTIMATE plans for
// strided column transforms ran 8x slower than contiguous ones here, and FFTW_MEASURE takes seconds to plan.
// Frequency space is kept transposed ([k1][k2]), so only two transposes are needed, and the zero padding is
// exploited: rows beyond the data are never transformed along x, and only the rows kept in the crop are
// transformed back.
template <typename Multiplier>
FlatFieldPair apply_fourier(const FlatFieldPair& in, double pad, Multiplier multiplier) {
  if (in.nx <= 0 || in.ny <= 0) throw std::invalid_argument("flat Fourier operator: empty grid");
  const long px = padded_fft_size(in.nx, pad), py = padded_fft_size(in.ny, pad);
  const long ny = in.ny, nx = in.nx;
  FftwArray rows(static_cast<size_t>(ny * px));  // [y][x], the data rows only
  FftwArray freq(static_cast<size_t>(px * py));  // [x or k1][y or k2]
  RowPlans x_plans(rows.data, static_cast<int>(px), static_cast<int>(ny));
  RowPlans y_plans(freq.data, static_cast<int>(py), static_cast<int>(px));

  cplx* r = rows.data;
  for (long iy = 0; iy < ny; ++iy) {
    for (long ix = 0; ix < nx; ++ix) {
      const size_t k = static_cast<size_t>(iy * nx + ix);
      r[iy * px + ix] = cplx(in.a[k], in.b.empty() ? 0.0 : in.b[k]);
    }
    std::fill(r + iy * px + nx, r + (iy + 1) * px, cplx(0, 0));
  }
  fftw_execute(x_plans.forward);
  cplx* f = freq.data;
  transpose(r, px, f, py, ny, px);
#pragma omp parallel for schedule(static) if (px * py > (1L << 16))
  for (long ix = 0; ix < px; ++ix) std::fill(f + ix * py + ny, f + (ix + 1) * py, cplx(0, 0));
  fftw_execute(y_plans.forward);

  // On an even axis the Nyquist index stands for +k and -k at once; a term odd in that component (k1 k2) is
  // then ambiguous, and taking either sign leaks power between E and B. multiplier() gets told so that it can
  // use the average of the two, i.e. drop the odd term there.
  const double norm = 1.0 / static_cast<double>(px * py);
#pragma omp parallel for schedule(static) if (px * py > (1L << 16))
  for (long ix = 0; ix < px; ++ix) {
    const double k1 = wavenumber(ix, px);
    const bool nyquist_x = px % 2 == 0 && ix == px / 2;
    for (long iy = 0; iy < py; ++iy) {
      const bool nyquist = nyquist_x || (py % 2 == 0 && iy == py / 2);
      f[ix * py + iy] *= multiplier(k1, wavenumber(iy, py), nyquist) * norm;
    }
  }

  fftw_execute(y_plans.backward);
  transpose(f, py, r, px, px, ny);
  fftw_execute(x_plans.backward);
  FlatFieldPair out;
  out.nx = nx, out.ny = ny;
  out.a.resize(static_cast<size_t>(nx * ny));
  out.b.resize(out.a.size());
  for (long iy = 0; iy < ny; ++iy)
    for (long ix = 0; ix < nx; ++ix) {
      const size_t k = static_cast<size_t>(iy * nx + ix);
      out.a[k] = r[iy * px + ix].real();
      out.b[k] = r[iy * px + ix].imag();
    }
  return out;
}

// Unnormalised forward DFT of a real n x n map (row-major), as complex values.
inline std::vector<cplx> forward_dft(const std::vector<double>& map, long n) {
  FftwArray buf(static_cast<size_t>(n * n));
  for (size_t i = 0; i < map.size(); ++i) buf.data[i] = cplx(map[i], 0);
  fftw_plan plan;
  {
    std::lock_guard<std::mutex> lock(planner_mutex());
    auto* p = reinterpret_cast<fftw_complex*>(buf.data);
    plan = fftw_plan_dft_2d(static_cast<int>(n), static_cast<int>(n), p, p, FFTW_FORWARD, FFTW_ESTIMATE);
  }
  fftw_execute(plan);
  {
    std::lock_guard<std::mutex> lock(planner_mutex());
    fftw_destroy_plan(plan);
  }
  return {buf.data, buf.data + n * n};
}

}  // namespace lofimap::pipeline::detail
