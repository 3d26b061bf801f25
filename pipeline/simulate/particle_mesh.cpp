#include "pipeline/simulate/particle_mesh.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <sstream>
#include <stdexcept>

#include "distributed/slab_fft.hpp"
#include "pipeline/core/machine_resources.hpp"
#include "pipeline/core/random_stream.hpp"

namespace lofimap::pipeline {

namespace {

constexpr double kTwoPi = 2 * std::numbers::pi;
constexpr int kFields = 7;  // x y z px py pz id, per particle in an exchange

long signed_index(long i, long n) {
  return i <= n / 2 ? i : i - n;
}

// Wave number of index i along an axis of n cells over `box`, with the Nyquist plane's odd part removed
// (the gradient of a real field has no consistent sign there).
double gradient_k(long i, long n, double box) {
  if (2 * i == n) return 0;
  return kTwoPi / box * static_cast<double>(signed_index(i, n));
}

double wrap(double x, double box) {
  x = std::fmod(x, box);
  if (x < 0) x += box;
  if (x >= box) x -= box;  // fmod of a tiny negative number plus box rounds to box
  return x;
}

double sinc(double x) {
  return std::abs(x) < 1e-8 ? 1 : std::sin(x) / x;
}

// Cloud-in-cell cells of a position (x y z in [0, box), `scale` cells per Mpc on a periodic mesh of n): the
// lower cell c0, the next one c1 (wrapped) and the fractional offset u towards it, per axis.
inline void cic_cells(const double* x, double scale, long n, double u[3], long c0[3], long c1[3]) {
  for (int d = 0; d < 3; ++d) {
    const double s = x[d] * scale;
    const long c = std::min(n - 1, static_cast<long>(s));
    u[d] = s - static_cast<double>(c);
    c0[d] = c, c1[d] = c + 1 == n ? 0 : c + 1;
  }
}

// The cloud-in-cell window of mode (s0, s1, s2) on n cells, squared: prod_d sinc^4(pi s_d / n).
double cic_window_squared(const long s[3], long n) {
  double w = 1;
  for (int d = 0; d < 3; ++d)
    w *= std::pow(sinc(std::numbers::pi * static_cast<double>(s[d]) / static_cast<double>(n)), 4);
  return w;
}

}  // namespace

std::string ParticleMeshSettings::describe() const {
  std::ostringstream s;
  s << "box " << box_mpc << " Mpc, " << particles << "^3 particles, mesh " << mesh << "^3, " << steps
    << " steps from z = " << z_start;
  return s.str();
}

void validate(const ParticleMeshSettings& s) {
  if (!(s.box_mpc >= 1 && s.box_mpc <= 1e5))
    throw std::invalid_argument("--pm-box: must lie in [1, 1e5] Mpc");
  if (!(s.particles >= 4 && s.particles <= 2048 && s.particles % 2 == 0))
    throw std::invalid_argument("--pm-particles: need an even number in [4, 2048] per side");
  // One particle per mesh cell. A finer mesh puts the particle lattice's own pattern at the mesh's Nyquist
  // frequency, where the window-deconvolved force amplifies it (measured: a linear mode grew 6x too fast on a
  // mesh of twice the particles).
  if (s.mesh != s.particles)
    throw std::invalid_argument("particle mesh: the mesh must equal --pm-particles (one particle per cell)");
  if (!(s.steps >= 1 && s.steps <= 1000)) throw std::invalid_argument("--pm-steps: must lie in [1, 1000]");
  if (!(s.z_start >= 1 && s.z_start <= 200))
    throw std::invalid_argument("particle mesh: the initial redshift must lie in [1, 200]");
}

double particle_mesh_bytes_per_rank(const ParticleMeshSettings& s, int ranks) {
  const double m3 = std::pow(static_cast<double>(s.mesh), 3),
               p3 = std::pow(static_cast<double>(s.particles), 3);
  const double r = std::max(1, ranks);
  // Force mesh: the FFT array, the saved modes, the painting/force planes (one ghost). Particles: position,
  // momentum, acceleration and id (80 bytes), twice over while exchanging, 25% margin for imbalance.
  // Initial conditions: ~11 lattice arrays, freed before the run.
  const double mesh = 3 * 8 * m3 / r + 16 * s.mesh * static_cast<double>(s.mesh);
  const double particles = 1.25 * 2 * 80 * p3 / r;
  const double ics = 11 * 8 * p3 / r;
  return mesh + std::max(particles, ics + 80 * p3 / r);
}

struct ParticleMesh::Mesh {
  distributed::SlabFft3d fft;
  std::vector<int> plane_owner;  // rank holding each x plane of the force mesh
  std::vector<double> planes;    // x_count + 1 planes (the last a ghost) of n x n, for painting and forces
  std::vector<std::complex<double>> delta;  // the contrast's normalised modes, in for_each_mode order
  Mesh(const distributed::Communicator& comm, long n, int threads) : fft(comm, n, threads) {}
};

ParticleMesh::ParticleMesh(const distributed::Communicator& comm, const CosmologyParameters& cosmology,
                           const ParticleMeshSettings& settings)
    : comm_(comm), cosmology_(cosmology), settings_(settings), growth_(cosmology.omega_m) {
  validate(settings_);
  require_memory(particle_mesh_bytes_per_rank(settings_, comm_.size()),
                 "a particle mesh of " + std::to_string(settings_.particles) + "^3 on " +
                     std::to_string(comm_.size()) + " rank(s) (--pm-particles)");
  mesh_ = std::make_unique<Mesh>(comm_, settings_.mesh, settings_.threads);
  const long n = settings_.mesh;
  const long begin = mesh_->fft.x_begin(), count = mesh_->fft.x_count();
  std::vector<long long> mine{begin, count};
  const auto all = comm_.allgatherv(std::span<const long long>(mine));
  mesh_->plane_owner.assign(static_cast<size_t>(n), -1);
  for (int r = 0; r < comm_.size(); ++r)
    for (long long x = all[2 * r]; x < all[2 * r] + all[2 * r + 1]; ++x)
      mesh_->plane_owner[static_cast<size_t>(x)] = r;
  for (int o : mesh_->plane_owner)
    if (o < 0) throw std::logic_error("particle mesh: a plane of the mesh has no rank");
}

ParticleMesh::~ParticleMesh() = default;

double ParticleMesh::a_start() const {
  return 1 / (1 + settings_.z_start);
}

void ParticleMesh::initial_conditions(const LinearField& delta0) {
  const long n = settings_.particles;
  distributed::SlabFft3d fft(comm_, n, settings_.threads);
  std::vector<double> plane(static_cast<size_t>(n * n));
  for (long x = 0; x < fft.x_count(); ++x) {
    std::fill(plane.begin(), plane.end(), 0.0);
    delta0(fft.x_begin() + x, plane);
    for (long y = 0; y < n; ++y)
      for (long z = 0; z < n; ++z)
        fft.real()[fft.real_index(x, y, z)] = plane[static_cast<size_t>(y * n + z)];
  }
  fft.forward();
  const double norm = 1 / std::pow(static_cast<double>(n), 3);
  fft.for_each_mode([&](long, long, long, std::complex<double>& m) { m *= norm; });

  // Save the linear modes; every derived field is one backward transform of them times a kernel.
  std::vector<std::complex<double>> modes;
  fft.for_each_mode([&](long, long, long, std::complex<double>& m) { modes.push_back(m); });
  const double box = settings_.box_mpc;
  auto transform = [&](auto kernel, std::vector<double>& out) {
    size_t c = 0;
    fft.for_each_mode([&](long ix, long iy, long iz, std::complex<double>& m) {
      const std::array<double, 3> k{gradient_k(ix, n, box), gradient_k(iy, n, box), gradient_k(iz, n, box)};
      const double k2 =
          std::pow(kTwoPi / box, 2) * static_cast<double>(signed_index(ix, n) * signed_index(ix, n) +
                                                          signed_index(iy, n) * signed_index(iy, n) +
                                                          signed_index(iz, n) * signed_index(iz, n));
      m = k2 > 0 ? kernel(k, k2, modes[c]) : std::complex<double>(0);
      ++c;
    });
    fft.backward();
    out.resize(static_cast<size_t>(fft.x_count() * n * n));
    for (long x = 0; x < fft.x_count(); ++x)
      for (long y = 0; y < n; ++y)
        for (long z = 0; z < n; ++z)
          out[static_cast<size_t>((x * n + y) * n + z)] = fft.real()[fft.real_index(x, y, z)];
  };
  const std::complex<double> i_unit(0, 1);
  // First order: psi1 = -grad phi1, laplacian phi1 = delta0, so psi1_k = i k delta_k / k^2.
  std::array<std::vector<double>, 3> psi1, psi2;
  for (int d = 0; d < 3; ++d)
    transform([&](const std::array<double, 3>& k, double k2,
                  std::complex<double> m) { return i_unit * k[d] * m / k2; },
              psi1[static_cast<size_t>(d)]);
  // Second order: laplacian phi2 = sum_{i<j} (phi1_ii phi1_jj - phi1_ij^2), phi1_ij = k_i k_j delta_k / k^2;
  // x = q + D1 psi1 + D2 grad phi2 with D2 = -3/7 D1^2 early on.
  std::array<std::vector<double>, 3> diag;
  for (int d = 0; d < 3; ++d)
    transform([&](const std::array<double, 3>& k, double k2,
                  std::complex<double> m) { return k[d] * k[d] * m / k2; },
              diag[static_cast<size_t>(d)]);
  std::vector<double> source(diag[0].size()), off;
  for (size_t i = 0; i < source.size(); ++i)
    source[i] = diag[0][i] * diag[1][i] + diag[0][i] * diag[2][i] + diag[1][i] * diag[2][i];
  for (auto& v : diag) std::vector<double>().swap(v);
  for (auto [a, b] : {std::pair{0, 1}, std::pair{0, 2}, std::pair{1, 2}}) {
    transform([&](const std::array<double, 3>& k, double k2,
                  std::complex<double> m) { return k[a] * k[b] * m / k2; },
              off);
    for (size_t i = 0; i < source.size(); ++i) source[i] -= off[i] * off[i];
  }
  std::vector<double>().swap(off);
  for (long x = 0; x < fft.x_count(); ++x)
    for (long y = 0; y < n; ++y)
      for (long z = 0; z < n; ++z)
        fft.real()[fft.real_index(x, y, z)] = source[static_cast<size_t>((x * n + y) * n + z)];
  std::vector<double>().swap(source);
  fft.forward();
  modes.clear();
  fft.for_each_mode([&](long, long, long, std::complex<double>& m) { modes.push_back(m * norm); });
  // grad phi2 with phi2_k = -S_k / k^2: (i k) (-S_k / k^2).
  for (int d = 0; d < 3; ++d)
    transform([&](const std::array<double, 3>& k, double k2,
                  std::complex<double> m) { return -i_unit * k[d] * m / k2; },
              psi2[static_cast<size_t>(d)]);

  const double a0 = a_start(), d1 = growth_.d1(a0), d2 = growth_.d2(a0), g1 = growth_.g1(a0),
               g2 = growth_.g2(a0);
  const size_t local = static_cast<size_t>(fft.x_count() * n * n);
  positions_.resize(3 * local), momenta_.resize(3 * local), ids_.resize(local);
  const double spacing = box / static_cast<double>(n);
  for (long x = 0; x < fft.x_count(); ++x)
    for (long y = 0; y < n; ++y)
      for (long z = 0; z < n; ++z) {
        const size_t i = static_cast<size_t>((x * n + y) * n + z);
        const std::array<long, 3> q{fft.x_begin() + x, y, z};
        for (size_t d = 0; d < 3; ++d) {
          positions_[3 * i + d] =
              wrap(static_cast<double>(q[d]) * spacing + d1 * psi1[d][i] + d2 * psi2[d][i], box);
          momenta_[3 * i + d] = g1 * psi1[d][i] + g2 * psi2[d][i];
        }
        ids_[i] = static_cast<std::uint64_t>((q[0] * n + q[1]) * n + q[2]);
      }
  a_ = a0;
  exchange();
}

void ParticleMesh::gaussian_initial_conditions(std::uint64_t seed, std::uint64_t stream) {
  // White noise keyed by lattice plane, coloured in Fourier space: m_k = w_k / n^3 sqrt(P(k) n^3 / L^3) gives
  // <|m_k|^2> = P(k) / L^3, the normalised modes of a field with spectrum P.
  const long n = settings_.particles;
  const double box = settings_.box_mpc, n3 = std::pow(static_cast<double>(n), 3);
  distributed::SlabFft3d fft(comm_, n, settings_.threads);
  for (long x = 0; x < fft.x_count(); ++x) {
    RandomStream rng(seed, stream + static_cast<std::uint64_t>(fft.x_begin() + x));
    for (long y = 0; y < n; ++y)
      for (long z = 0; z < n; ++z) fft.real()[fft.real_index(x, y, z)] = rng.normal();
  }
  fft.forward();
  fft.for_each_mode([&](long ix, long iy, long iz, std::complex<double>& m) {
    const double k = kTwoPi / box *
                     std::sqrt(static_cast<double>(signed_index(ix, n) * signed_index(ix, n) +
                                                   signed_index(iy, n) * signed_index(iy, n) +
                                                   signed_index(iz, n) * signed_index(iz, n)));
    if (k == 0) {
      m = 0;
      return;
    }
    const double p =
        2 * std::numbers::pi * std::numbers::pi * cosmology_.delta2_linear_wiggles(k, 0) / (k * k * k);
    m *= std::sqrt(p * n3 / (box * box * box)) / n3;
  });
  fft.backward();  // the linear contrast in real space, handed to the 2LPT step
  std::vector<double> field(static_cast<size_t>(fft.x_count() * n * n));
  for (long x = 0; x < fft.x_count(); ++x)
    for (long y = 0; y < n; ++y)
      for (long z = 0; z < n; ++z)
        field[static_cast<size_t>((x * n + y) * n + z)] = fft.real()[fft.real_index(x, y, z)];
  const long begin = fft.x_begin();
  initial_conditions([&](long x, std::span<double> plane) {
    std::copy_n(field.begin() + (x - begin) * n * n, n * n, plane.begin());
  });
}

void ParticleMesh::exchange() {
  const long n = settings_.mesh;
  const double box = settings_.box_mpc, scale = static_cast<double>(n) / box;
  const int ranks = comm_.size();
  const size_t count = ids_.size();
  std::vector<int> dest(count);
  std::vector<long long> counts(static_cast<size_t>(ranks), 0);
  for (size_t i = 0; i < count; ++i) {
    const long plane = std::min(n - 1, static_cast<long>(positions_[3 * i] * scale));
    dest[i] = mesh_->plane_owner[static_cast<size_t>(plane)];
    counts[static_cast<size_t>(dest[i])] += kFields;
  }
  std::vector<long long> start(static_cast<size_t>(ranks) + 1, 0);
  for (int r = 0; r < ranks; ++r)
    start[static_cast<size_t>(r) + 1] = start[static_cast<size_t>(r)] + counts[static_cast<size_t>(r)];
  std::vector<double> send(static_cast<size_t>(start.back()));
  std::vector<long long> fill(start.begin(), start.end() - 1);
  for (size_t i = 0; i < count; ++i) {
    double* o = send.data() + fill[static_cast<size_t>(dest[i])];
    fill[static_cast<size_t>(dest[i])] += kFields;
    for (size_t d = 0; d < 3; ++d) o[d] = positions_[3 * i + d], o[3 + d] = momenta_[3 * i + d];
    o[6] = static_cast<double>(ids_[i]);  // exact: ids stay below 2^53
  }
  std::vector<double>().swap(positions_);
  std::vector<double>().swap(momenta_);
  const auto got = comm_.alltoallv(std::span<const double>(send), std::span<const long long>(counts));
  std::vector<double>().swap(send);
  const size_t m = got.size() / kFields;
  positions_.resize(3 * m), momenta_.resize(3 * m), ids_.resize(m);
  for (size_t i = 0; i < m; ++i) {
    const double* o = got.data() + kFields * i;
    for (size_t d = 0; d < 3; ++d) positions_[3 * i + d] = o[d], momenta_[3 * i + d] = o[3 + d];
    ids_[i] = static_cast<std::uint64_t>(o[6]);
  }
  accelerations_.assign(3 * m, 0.0);
}

void ParticleMesh::paint(std::span<const double> positions) {
  auto& mesh = *mesh_;
  const long n = settings_.mesh, begin = mesh.fft.x_begin(), planes = mesh.fft.x_count();
  const size_t plane_size = static_cast<size_t>(n * n);
  mesh.planes.assign(static_cast<size_t>(planes + 1) * plane_size, 0.0);
  const double scale = static_cast<double>(n) / settings_.box_mpc;
  const size_t count = positions.size() / 3;
  for (size_t i = 0; i < count; ++i) {
    double u[3];
    long c0[3], c1[3];
    cic_cells(positions.data() + 3 * i, scale, n, u, c0, c1);
    // x: the local plane and the next one (the ghost when it is the slab's last).
    const long x0 = c0[0] - begin, x1 = x0 + 1;
    if (x0 < 0 || x0 >= planes) throw std::logic_error("particle mesh: a particle outside its rank's slab");
    for (int bx = 0; bx < 2; ++bx) {
      const double wx = bx ? u[0] : 1 - u[0];
      const long x = bx ? x1 : x0;
      for (int by = 0; by < 2; ++by) {
        const double wy = wx * (by ? u[1] : 1 - u[1]);
        const long y = by ? c1[1] : c0[1];
        double* row = mesh.planes.data() + static_cast<size_t>(x) * plane_size + static_cast<size_t>(y * n);
        row[c0[2]] += wy * (1 - u[2]);
        row[c1[2]] += wy * u[2];
      }
    }
  }
  // The ghost plane belongs to the rank holding plane begin + planes; the ghost sent here adds to plane 0.
  const int ranks = comm_.size();
  std::vector<long long> counts(static_cast<size_t>(ranks), 0);
  std::span<const double> ghost;
  if (planes > 0) {
    counts[static_cast<size_t>(mesh.plane_owner[static_cast<size_t>((begin + planes) % n)])] =
        static_cast<long long>(plane_size);
    ghost =
        std::span<const double>(mesh.planes.data() + static_cast<size_t>(planes) * plane_size, plane_size);
  }
  const auto got = comm_.alltoallv(ghost, std::span<const long long>(counts));
  for (size_t j = 0; j < got.size(); ++j) mesh.planes[j % plane_size] += got[j];
}

void ParticleMesh::paint_density() {
  paint(positions_);
  auto& mesh = *mesh_;
  const long n = settings_.mesh, planes = mesh.fft.x_count();
  // Mean count per cell: particles^3 / mesh^3.
  const double per_count = std::pow(static_cast<double>(n) / static_cast<double>(settings_.particles), 3);
  for (long x = 0; x < planes; ++x)
    for (long y = 0; y < n; ++y)
      for (long z = 0; z < n; ++z)
        mesh.fft.real()[mesh.fft.real_index(x, y, z)] =
            mesh.planes[static_cast<size_t>((x * n + y) * n + z)] * per_count - 1;
  mesh.fft.forward();
  const double norm = 1 / std::pow(static_cast<double>(n), 3);
  mesh.delta.clear();
  mesh.fft.for_each_mode([&](long, long, long, std::complex<double>& m) {
    m *= norm;
    mesh.delta.push_back(m);
  });
}

void ParticleMesh::compute_forces() {
  paint_density();
  auto& mesh = *mesh_;
  const long n = settings_.mesh, begin = mesh.fft.x_begin(), planes = mesh.fft.x_count();
  const size_t plane_size = static_cast<size_t>(n * n);
  const double box = settings_.box_mpc, scale = static_cast<double>(n) / box;
  const int ranks = comm_.size();
  const size_t count = ids_.size();
  for (int d = 0; d < 3; ++d) {
    // f = -grad Phi, Phi_k = -delta_k / k^2: f_k = i k delta_k / k^2, divided by the cloud-in-cell window
    // twice (painting and read-out each multiply by prod sinc^2(pi m / n)), as GADGET-2's mesh force does:
    // without it the fundamental mode of a 16-cell mesh grows 2.5% too slowly per e-fold of a.
    size_t c = 0;
    mesh.fft.for_each_mode([&](long ix, long iy, long iz, std::complex<double>& m) {
      const long s[3] = {signed_index(ix, n), signed_index(iy, n), signed_index(iz, n)};
      const double k2 =
          std::pow(kTwoPi / box, 2) * static_cast<double>(s[0] * s[0] + s[1] * s[1] + s[2] * s[2]);
      const long i = d == 0 ? ix : d == 1 ? iy : iz;
      m = k2 > 0 ? std::complex<double>(0, gradient_k(i, n, box) / (k2 * cic_window_squared(s, n))) *
                       mesh.delta[c]
                 : 0;
      ++c;
    });
    mesh.fft.backward();
    for (long x = 0; x < planes; ++x)
      for (long y = 0; y < n; ++y)
        for (long z = 0; z < n; ++z)
          mesh.planes[static_cast<size_t>((x * n + y) * n + z)] =
              mesh.fft.real()[mesh.fft.real_index(x, y, z)];
    // The ghost plane is the next slab's first plane: each rank sends its plane 0 to the rank before it.
    std::vector<long long> counts(static_cast<size_t>(ranks), 0);
    std::span<const double> first;
    if (planes > 0) {
      counts[static_cast<size_t>(mesh.plane_owner[static_cast<size_t>((begin - 1 + n) % n)])] =
          static_cast<long long>(plane_size);
      first = std::span<const double>(mesh.planes.data(), plane_size);
    }
    const auto got = comm_.alltoallv(first, std::span<const long long>(counts));
    if (planes > 0) {
      if (got.size() != plane_size) throw std::logic_error("particle mesh: ghost plane of the wrong size");
      std::copy(got.begin(), got.end(),
                mesh.planes.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(planes) * plane_size));
    }
#pragma omp parallel for num_threads(settings_.threads) schedule(static)
    for (size_t i = 0; i < count; ++i) {
      double u[3];
      long c0[3], c1[3];
      cic_cells(positions_.data() + 3 * i, scale, n, u, c0, c1);
      const long x0 = c0[0] - begin;
      double f = 0;
      for (int bx = 0; bx < 2; ++bx) {
        const double wx = bx ? u[0] : 1 - u[0];
        const double* p = mesh.planes.data() + static_cast<size_t>(x0 + bx) * plane_size;
        for (int by = 0; by < 2; ++by) {
          const double wy = wx * (by ? u[1] : 1 - u[1]);
          const double* row = p + static_cast<size_t>((by ? c1[1] : c0[1]) * n);
          f += wy * ((1 - u[2]) * row[c0[2]] + u[2] * row[c1[2]]);
        }
      }
      accelerations_[3 * i + static_cast<size_t>(d)] = f;
    }
  }
}

void ParticleMesh::run_to(double a_end, const std::vector<double>& snapshot_a, const Snapshot& at_snapshot) {
  if (!(a_end > a_ && a_end <= 1)) throw std::invalid_argument("particle mesh: the run must end in (a, 1]");
  if (!std::is_sorted(snapshot_a.begin(), snapshot_a.end()))
    throw std::invalid_argument("particle mesh: snapshot times must ascend");
  if (!snapshot_a.empty() && (snapshot_a.front() < a_ - 1e-12 || snapshot_a.back() > a_end + 1e-12))
    throw std::invalid_argument("particle mesh: snapshot times must lie within [a_start, a_end]");
  const double box = settings_.box_mpc, a_begin = a_;
  const int steps = settings_.steps;
  compute_forces();
  size_t next = 0;
  std::vector<double> drifted;
  auto apply = [&](std::vector<double>& target, const std::vector<double>& by, double factor) {
    const size_t m = target.size();
#pragma omp parallel for num_threads(settings_.threads) schedule(static)
    for (size_t i = 0; i < m; ++i) target[i] += by[i] * factor;
  };
  for (int k = 0; k < steps; ++k) {
    const double a0 = a_begin + (a_end - a_begin) * k / steps;
    const double a1 = k + 1 == steps ? a_end : a_begin + (a_end - a_begin) * (k + 1) / steps;
    const double ah = 0.5 * (a0 + a1);
    apply(momenta_, accelerations_, growth_.kick(a0, ah, a0));
    // Snapshots inside this step: positions drifted from a0 with the half-step momentum.
    while (next < snapshot_a.size() && (snapshot_a[next] < a1 || k + 1 == steps)) {
      const double as = std::clamp(snapshot_a[next], a0, a1), f = growth_.drift(a0, as, ah);
      drifted.resize(positions_.size());
      for (size_t i = 0; i < positions_.size(); ++i) drifted[i] = wrap(positions_[i] + momenta_[i] * f, box);
      at_snapshot(next, as, drifted);
      ++next;
    }
    apply(positions_, momenta_, growth_.drift(a0, a1, ah));
    for (auto& x : positions_) x = wrap(x, box);
    exchange();
    a_ = a1;
    compute_forces();
    apply(momenta_, accelerations_, growth_.kick(ah, a1, a1));
  }
}

std::vector<std::complex<double>> ParticleMesh::density_modes(double k_max) {
  paint_density();
  const long n = settings_.mesh;
  const double kf = kTwoPi / settings_.box_mpc;
  std::vector<std::complex<double>> out;
  size_t c = 0;
  mesh_->fft.for_each_mode([&](long ix, long iy, long iz, std::complex<double>&) {
    const long s[3] = {signed_index(ix, n), signed_index(iy, n), signed_index(iz, n)};
    const double k = kf * std::sqrt(static_cast<double>(s[0] * s[0] + s[1] * s[1] + s[2] * s[2]));
    if (k > 0 && k < k_max) out.push_back(mesh_->delta[c]);
    ++c;
  });
  return out;
}

std::vector<ParticleMesh::PowerBin> ParticleMesh::power_spectrum(int bins) {
  paint_density();
  const long n = settings_.mesh;
  const double box = settings_.box_mpc, kf = kTwoPi / box, k_nyq = kf * static_cast<double>(n) / 2;
  const double lo = std::log(kf), hi = std::log(k_nyq), volume = box * box * box;
  const double shot = volume / std::pow(static_cast<double>(settings_.particles), 3);
  std::vector<double> sums(static_cast<size_t>(3 * bins), 0.0);
  size_t c = 0;
  mesh_->fft.for_each_mode([&](long ix, long iy, long iz, std::complex<double>&) {
    const long s[3] = {signed_index(ix, n), signed_index(iy, n), signed_index(iz, n)};
    const double k = kf * std::sqrt(static_cast<double>(s[0] * s[0] + s[1] * s[1] + s[2] * s[2]));
    const auto m = mesh_->delta[c++];
    if (k == 0 || k >= k_nyq) return;
    const int b = std::min(bins - 1, static_cast<int>((std::log(k) - lo) / (hi - lo) * bins));
    const double weight = (iz == 0 || 2 * iz == n) ? 1 : 2;  // the other half of the r2c space
    sums[static_cast<size_t>(3 * b)] += weight * k;
    sums[static_cast<size_t>(3 * b + 1)] +=
        weight * (std::norm(m) * volume / cic_window_squared(s, n) - shot);
    sums[static_cast<size_t>(3 * b + 2)] += weight;
  });
  comm_.allreduce_sum(sums.data(), sums.size());
  std::vector<PowerBin> out;
  for (int b = 0; b < bins; ++b) {
    const double modes = sums[static_cast<size_t>(3 * b + 2)];
    if (modes == 0) continue;
    out.push_back({sums[static_cast<size_t>(3 * b)] / modes, sums[static_cast<size_t>(3 * b + 1)] / modes,
                   static_cast<long>(modes)});
  }
  return out;
}

}  // namespace lofimap::pipeline
