#include "pipeline/flat_kaiser_squires.hpp"

#include <fftw3.h>

#include <cmath>
#include <complex>
#include <mutex>
#include <numbers>
#include <stdexcept>

namespace lofimap::pipeline {

namespace {

using cplx = std::complex<double>;

// FFTW's planner is not thread-safe; all planning goes through this lock.
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

class FftBuffer {
 public:
  FftBuffer(long ny, long nx) : ny_(ny), nx_(nx) {
    data_ = static_cast<cplx*>(fftw_malloc(sizeof(cplx) * static_cast<size_t>(nx * ny)));
    if (!data_) throw std::bad_alloc();
    std::lock_guard<std::mutex> lock(planner_mutex());
    auto* p = reinterpret_cast<fftw_complex*>(data_);
    forward_ = fftw_plan_dft_2d(static_cast<int>(ny), static_cast<int>(nx), p, p, FFTW_FORWARD, FFTW_ESTIMATE);
    backward_ = fftw_plan_dft_2d(static_cast<int>(ny), static_cast<int>(nx), p, p, FFTW_BACKWARD, FFTW_ESTIMATE);
  }
  ~FftBuffer() {
    std::lock_guard<std::mutex> lock(planner_mutex());
    fftw_destroy_plan(forward_);
    fftw_destroy_plan(backward_);
    fftw_free(data_);
  }
  FftBuffer(const FftBuffer&) = delete;
  FftBuffer& operator=(const FftBuffer&) = delete;
  cplx* data() { return data_; }
  void forward() { fftw_execute(forward_); }
  void backward() { fftw_execute(backward_); }
  long nx() const { return nx_; }
  long ny() const { return ny_; }

 private:
  long ny_, nx_;
  cplx* data_ = nullptr;
  fftw_plan forward_ = nullptr, backward_ = nullptr;
};

// Angular wavenumber (radians per pixel) of FFT index i on an n-point axis.
double wavenumber(long i, long n) {
  const long f = i <= n / 2 ? i : i - n;
  return 2.0 * std::numbers::pi * static_cast<double>(f) / static_cast<double>(n);
}

// Loads a + i b into the zero-padded buffer, applies multiplier(k1, k2) in Fourier space, returns the crop.
template <typename Multiplier>
FlatFieldPair apply_fourier(const FlatFieldPair& in, double pad, Multiplier multiplier) {
  if (in.nx <= 0 || in.ny <= 0) throw std::invalid_argument("flat Fourier operator: empty grid");
  FftBuffer buf(padded_fft_size(in.ny, pad), padded_fft_size(in.nx, pad));
  const long px = buf.nx(), py = buf.ny();
  cplx* d = buf.data();
  std::fill(d, d + px * py, cplx(0, 0));
  for (long iy = 0; iy < in.ny; ++iy)
    for (long ix = 0; ix < in.nx; ++ix) {
      const size_t k = static_cast<size_t>(iy * in.nx + ix);
      d[iy * px + ix] = cplx(in.a[k], in.b.empty() ? 0.0 : in.b[k]);
    }
  buf.forward();
  const double norm = 1.0 / static_cast<double>(px * py);
  for (long iy = 0; iy < py; ++iy) {
    const double k2 = wavenumber(iy, py);
    for (long ix = 0; ix < px; ++ix) d[iy * px + ix] *= multiplier(wavenumber(ix, px), k2) * norm;
  }
  buf.backward();
  FlatFieldPair out;
  out.nx = in.nx, out.ny = in.ny;
  out.a.resize(static_cast<size_t>(in.nx * in.ny));
  out.b.resize(out.a.size());
  for (long iy = 0; iy < in.ny; ++iy)
    for (long ix = 0; ix < in.nx; ++ix) {
      const size_t k = static_cast<size_t>(iy * in.nx + ix);
      out.a[k] = d[iy * px + ix].real();
      out.b[k] = d[iy * px + ix].imag();
    }
  return out;
}

}  // namespace

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

FlatFieldPair flat_kaiser_squires(const FlatFieldPair& shear, double pad, double sigma) {
  return apply_fourier(shear, pad, [sigma](double k1, double k2) {
    const double k_sq = k1 * k1 + k2 * k2;
    if (k_sq == 0) return cplx(0, 0);
    const double smooth = sigma > 0 ? std::exp(-0.5 * k_sq * sigma * sigma) : 1.0;
    return cplx(k1 * k1 - k2 * k2, -2 * k1 * k2) / k_sq * smooth;  // D*(k)
  });
}

FlatFieldPair flat_shear_from_convergence(const FlatFieldPair& kappa, double pad) {
  return apply_fourier(kappa, pad, [](double k1, double k2) {
    const double k_sq = k1 * k1 + k2 * k2;
    if (k_sq == 0) return cplx(0, 0);
    return cplx(k1 * k1 - k2 * k2, 2 * k1 * k2) / k_sq;  // D(k)
  });
}

std::vector<double> flat_gaussian_smooth(const std::vector<double>& map, long nx, long ny, double sigma, double pad) {
  FlatFieldPair in{nx, ny, map, {}};
  return apply_fourier(in, pad, [sigma](double k1, double k2) {
           return cplx(std::exp(-0.5 * (k1 * k1 + k2 * k2) * sigma * sigma), 0);
         }).a;
}

void set_fftw_threads(int n) {
  std::lock_guard<std::mutex> lock(planner_mutex());
  static bool initialised = false;
  if (!initialised) {
    fftw_init_threads();
    initialised = true;
  }
  fftw_plan_with_nthreads(std::max(1, n));
}

}  // namespace lofimap::pipeline
