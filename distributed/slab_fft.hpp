// A real-to-complex 3-D FFT of an n^3 periodic mesh split in slabs over the ranks of a communicator (FFTW's
// MPI interface). Real space: this rank holds the planes x in [x_begin, x_begin + x_count), each plane n x n
// reals stored with FFTW's r2c padding (rows of 2 (n/2 + 1)). Fourier space: the output is left transposed
// (FFTW_MPI_TRANSPOSED_OUT: slabs in ky), which saves two global transposes; for_each_mode hides the layout.
// Without MPI (a world of one) it is FFTW's serial plan on the same memory. Knows nothing of cosmology.
#pragma once

#include <complex>
#include <cstddef>
#include <memory>

#include "distributed/communicator.hpp"

namespace lofimap::distributed {

class SlabFft3d {
 public:
  // Collective. `threads`: FFTW threads per rank.
  SlabFft3d(const Communicator& comm, long n, int threads = 1);
  ~SlabFft3d();
  SlabFft3d(const SlabFft3d&) = delete;
  SlabFft3d& operator=(const SlabFft3d&) = delete;

  long n() const { return n_; }
  long x_begin() const { return x_begin_; }
  long x_count() const { return x_count_; }
  // Index of real cell (x, y, z) with x local (0 <= x < x_count) in real().
  std::size_t real_index(long x_local, long y, long z) const {
    return (static_cast<std::size_t>(x_local) * static_cast<std::size_t>(n_) + static_cast<std::size_t>(y)) *
               static_cast<std::size_t>(2 * (n_ / 2 + 1)) +
           static_cast<std::size_t>(z);
  }
  double* real();
  std::complex<double>* modes();
  // Bytes this rank allocates for the mesh.
  std::size_t bytes() const;

  void forward();   // real -> modes, unnormalised
  void backward();  // modes -> real, unnormalised (a round trip multiplies by n^3)

  // Calls f(ix, iy, iz, mode) for every Fourier mode this rank holds, with global indices 0 <= ix, iy < n,
  // 0 <= iz <= n/2 (signed frequency: i <= n/2 ? i : i - n).
  template <typename F>
  void for_each_mode(F&& f) {
    std::complex<double>* m = modes();
    const long nz = n_ / 2 + 1;
    for (long a = 0; a < k_count_; ++a)
      for (long b = 0; b < n_; ++b)
        for (long iz = 0; iz < nz; ++iz) {
          const long outer = k_begin_ + a;
          // Transposed output: [ky][kx][kz]; serial output: [kx][ky][kz].
          const long ix = transposed_ ? b : outer, iy = transposed_ ? outer : b;
          f(ix, iy, iz,
            m[(static_cast<std::size_t>(a) * static_cast<std::size_t>(n_) + static_cast<std::size_t>(b)) *
                  static_cast<std::size_t>(nz) +
              static_cast<std::size_t>(iz)]);
        }
  }

 private:
  struct Plans;
  std::unique_ptr<Plans> plans_;
  long n_ = 0, x_begin_ = 0, x_count_ = 0, k_begin_ = 0, k_count_ = 0;
  bool transposed_ = false;
};

}  // namespace lofimap::distributed
