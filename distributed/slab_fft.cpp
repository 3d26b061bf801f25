#include "distributed/slab_fft.hpp"

#include <fftw3-mpi.h>
#include <mpi.h>

#include <mutex>
#include <stdexcept>
#include <string>

namespace lofimap::distributed {

namespace {
// FFTW's planner is not thread safe, and its MPI and threads layers are initialised once per process.
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}
void init_fftw_locked(bool mpi) {
  static bool threads = false, with_mpi = false;
  if (!threads) fftw_init_threads(), threads = true;  // a no-op when another module already did it
  if (mpi && !with_mpi) fftw_mpi_init(), with_mpi = true;
}
}  // namespace

struct SlabFft3d::Plans {
  fftw_plan forward = nullptr, backward = nullptr;
  double* data = nullptr;
  std::size_t complex_count = 0;
  ~Plans() {
    std::lock_guard<std::mutex> lock(planner_mutex());
    if (forward) fftw_destroy_plan(forward);
    if (backward) fftw_destroy_plan(backward);
    if (data) fftw_free(data);
  }
};

SlabFft3d::SlabFft3d(const Communicator& comm, long n, int threads)
    : plans_(std::make_unique<Plans>()), n_(n) {
  if (n < 2 || n % 2) throw std::invalid_argument("mesh: need an even size >= 2, got " + std::to_string(n));
  const void* handle = comm.mpi_handle();
  std::lock_guard<std::mutex> lock(planner_mutex());
  init_fftw_locked(handle != nullptr);
  fftw_plan_with_nthreads(threads < 1 ? 1 : threads);
  const long nz = n / 2 + 1;
  if (handle) {
    const MPI_Comm mpi = *static_cast<const MPI_Comm*>(handle);
    ptrdiff_t local_n0 = 0, local_0_start = 0, local_n1 = 0, local_1_start = 0;
    const ptrdiff_t alloc = fftw_mpi_local_size_3d_transposed(n, n, nz, mpi, &local_n0, &local_0_start,
                                                              &local_n1, &local_1_start);
    x_begin_ = local_0_start, x_count_ = local_n0, k_begin_ = local_1_start, k_count_ = local_n1;
    transposed_ = true;
    plans_->complex_count = static_cast<std::size_t>(alloc > 0 ? alloc : 1);
    plans_->data = fftw_alloc_real(2 * plans_->complex_count);
    if (!plans_->data) throw std::runtime_error("mesh of " + std::to_string(n) + "^3: out of memory");
    auto* c = reinterpret_cast<fftw_complex*>(plans_->data);
    plans_->forward =
        fftw_mpi_plan_dft_r2c_3d(n, n, n, plans_->data, c, mpi, FFTW_ESTIMATE | FFTW_MPI_TRANSPOSED_OUT);
    plans_->backward =
        fftw_mpi_plan_dft_c2r_3d(n, n, n, c, plans_->data, mpi, FFTW_ESTIMATE | FFTW_MPI_TRANSPOSED_IN);
  } else {
    x_begin_ = 0, x_count_ = n, k_begin_ = 0, k_count_ = n;
    plans_->complex_count =
        static_cast<std::size_t>(n) * static_cast<std::size_t>(n) * static_cast<std::size_t>(nz);
    plans_->data = fftw_alloc_real(2 * plans_->complex_count);
    if (!plans_->data) throw std::runtime_error("mesh of " + std::to_string(n) + "^3: out of memory");
    auto* c = reinterpret_cast<fftw_complex*>(plans_->data);
    const int ni = static_cast<int>(n);
    plans_->forward = fftw_plan_dft_r2c_3d(ni, ni, ni, plans_->data, c, FFTW_ESTIMATE);
    plans_->backward = fftw_plan_dft_c2r_3d(ni, ni, ni, c, plans_->data, FFTW_ESTIMATE);
  }
  if (!plans_->forward || !plans_->backward)
    throw std::runtime_error("FFTW could not plan a mesh of " + std::to_string(n) + "^3");
  for (std::size_t i = 0; i < 2 * plans_->complex_count; ++i) plans_->data[i] = 0;
}

SlabFft3d::~SlabFft3d() = default;

double* SlabFft3d::real() {
  return plans_->data;
}
std::complex<double>* SlabFft3d::modes() {
  return reinterpret_cast<std::complex<double>*>(plans_->data);
}
std::size_t SlabFft3d::bytes() const {
  return plans_->complex_count * sizeof(fftw_complex);
}

void SlabFft3d::forward() {
  fftw_execute(plans_->forward);
}
void SlabFft3d::backward() {
  fftw_execute(plans_->backward);
}

}  // namespace lofimap::distributed
