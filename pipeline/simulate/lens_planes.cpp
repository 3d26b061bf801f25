#include "pipeline/simulate/lens_planes.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "pipeline/core/random_stream.hpp"
#include "pipeline/simulate/halo_model_sky.hpp"

namespace lofimap::pipeline {

namespace {

double max_source_z(const SourceDistribution& s) {
  if (s.z.empty()) return s.z_single;
  double z = 0;
  for (size_t i = 0; i < s.z.size(); ++i)
    if (s.n[i] > 0) z = std::max(z, s.z[i]);
  return z;
}

// Bilinear look-up in a periodic n x n map of a box side `box`, at transverse coordinates (t0, t1) [Mpc].
double bilinear(const float* map, long n, double box, double t0, double t1) {
  const double s0 = t0 / box * static_cast<double>(n), s1 = t1 / box * static_cast<double>(n);
  const double f0 = std::floor(s0), f1 = std::floor(s1);
  const double u0 = s0 - f0, u1 = s1 - f1;
  auto wrap = [n](long i) { return ((i % n) + n) % n; };
  const long i0 = wrap(static_cast<long>(f0)), j0 = wrap(static_cast<long>(f1));
  const long i1 = i0 + 1 == n ? 0 : i0 + 1, j1 = j0 + 1 == n ? 0 : j0 + 1;
  auto at = [&](long i, long j) { return static_cast<double>(map[i * n + j]); };
  return (1 - u0) * ((1 - u1) * at(i0, j0) + u1 * at(i0, j1)) +
         u0 * ((1 - u1) * at(i1, j0) + u1 * at(i1, j1));
}

// Whether particle `id` belongs to the sample of about `wanted` out of `total` (a hash of the id, so the
// sample does not depend on how the particles are spread over ranks).
bool keep_in_sample(std::uint64_t id, long wanted, double total) {
  if (static_cast<double>(wanted) >= total) return true;
  std::uint64_t z = id + 0x9e3779b97f4a7c15ULL;  // splitmix64 finaliser
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53 < static_cast<double>(wanted) / total;
}

}  // namespace

void validate(const LightconeSettings& s) {
  if (!(s.slabs_per_box >= 1 && s.slabs_per_box <= 16))
    throw std::invalid_argument("--slabs-per-box: must lie in [1, 16]");
  if (!(s.plane_pixels == 0 || (s.plane_pixels >= 8 && s.plane_pixels <= 8192)))
    throw std::invalid_argument("--plane-pixels: must be 0 (the mesh) or lie in [8, 8192]");
  if (!(s.z_max > 0.01 && s.z_max <= 6)) throw std::invalid_argument("--z-max: must lie in (0.01, 6]");
}

LensPlanes::LensPlanes(const Cosmology& cosmology, double box, long n, int slabs, double z_max,
                       std::vector<Plane> planes)
    : cosmology_(cosmology), box_(box), z_max_(z_max), n_(n), slabs_(slabs), planes_(std::move(planes)) {
  for (const auto& p : planes_)
    if (p.contrast.size() != static_cast<size_t>(3 * slabs_ * n_ * n_))
      throw std::invalid_argument("lens planes: a plane holds the wrong number of values");
}

LensPlanes LensPlanes::simulate(const distributed::Communicator& comm, const CosmologyParameters& cosmology,
                                const ParticleMeshSettings& pm_settings, const LightconeSettings& cone,
                                std::uint64_t seed, std::uint64_t stream) {
  ParticleMesh pm(comm, cosmology, pm_settings);
  pm.gaussian_initial_conditions(seed, stream);
  return LensPlanes(comm, pm, cone);
}

LensPlanes::LensPlanes(const distributed::Communicator& comm, ParticleMesh& pm, const LightconeSettings& cone)
    : cosmology_(pm.cosmology()),
      box_(pm.settings().box_mpc),
      z_max_(cone.z_max),
      n_(cone.plane_pixels > 0 ? cone.plane_pixels : pm.settings().mesh),
      slabs_(cone.slabs_per_box) {
  validate(cone);
  const double thickness = box_ / slabs_, chi_max = cosmology_.comoving_distance(z_max_);
  const long count = static_cast<long>(std::ceil(chi_max / thickness));
  planes_.resize(static_cast<size_t>(count));
  for (long j = 0; j < count; ++j) {
    auto& p = planes_[static_cast<size_t>(j)];
    p.chi_low = static_cast<double>(j) * thickness, p.chi_high = p.chi_low + thickness;
    p.chi_mid = 0.5 * (p.chi_low + p.chi_high);
    p.a = 1 / (1 + cosmology_.redshift_at_distance(p.chi_mid));
  }
  if (planes_.back().a < pm.a())
    throw std::invalid_argument("--z-max: the furthest plane lies before the simulation's start (--z-start)");
  // Snapshots in ascending a: the planes from the furthest to the nearest.
  std::vector<double> snapshot_a;
  for (long j = count - 1; j >= 0; --j) snapshot_a.push_back(planes_[static_cast<size_t>(j)].a);
  const size_t maps = static_cast<size_t>(3 * slabs_), plane_size = static_cast<size_t>(n_ * n_);
  const double total = std::pow(static_cast<double>(pm.settings().particles), 3);
  const double mean = total / (static_cast<double>(slabs_) * static_cast<double>(plane_size));
  std::vector<double> sums(maps * plane_size);
  pm.run(snapshot_a, [&](std::size_t index, double, std::span<const double> x) {
    std::fill(sums.begin(), sums.end(), 0.0);
    const double scale = static_cast<double>(n_) / box_;
    const size_t particles = x.size() / 3;
    for (size_t i = 0; i < particles; ++i) {
      for (int axis = 0; axis < 3; ++axis) {
        const int a0 = axis == 0 ? 1 : 0, a1 = axis == 2 ? 1 : 2;  // the other two axes, in order
        const int slab =
            std::min(slabs_ - 1, static_cast<int>(x[3 * i + static_cast<size_t>(axis)] / thickness));
        double* map = sums.data() + static_cast<size_t>(axis * slabs_ + slab) * plane_size;
        const double s0 = x[3 * i + static_cast<size_t>(a0)] * scale,
                     s1 = x[3 * i + static_cast<size_t>(a1)] * scale;
        const long c0 = std::min(n_ - 1, static_cast<long>(s0)), c1 = std::min(n_ - 1, static_cast<long>(s1));
        const double u0 = s0 - static_cast<double>(c0), u1 = s1 - static_cast<double>(c1);
        const long d0 = c0 + 1 == n_ ? 0 : c0 + 1, d1 = c1 + 1 == n_ ? 0 : c1 + 1;
        map[c0 * n_ + c1] += (1 - u0) * (1 - u1);
        map[c0 * n_ + d1] += (1 - u0) * u1;
        map[d0 * n_ + c1] += u0 * (1 - u1);
        map[d0 * n_ + d1] += u0 * u1;
      }
    }
    comm.allreduce_sum(sums.data(), sums.size());
    auto& plane = planes_[static_cast<size_t>(count - 1) - index];
    plane.contrast.resize(sums.size());
    for (size_t k = 0; k < sums.size(); ++k) plane.contrast[k] = static_cast<float>(sums[k] / mean - 1);
    // A subsample keyed by particle id (the same whatever the ranks), gathered and ordered by id.
    const auto ids = pm.ids();
    std::vector<double> mine;
    for (size_t i = 0; i < particles; ++i)
      if (keep_in_sample(ids[i], kSampleParticles, total)) {
        mine.push_back(static_cast<double>(ids[i]));
        for (size_t d = 0; d < 3; ++d) mine.push_back(x[3 * i + d]);
      }
    const auto all = comm.allgatherv(std::span<const double>(mine));
    std::vector<size_t> order(all.size() / 4);
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return all[4 * a] < all[4 * b]; });
    plane.sample.resize(3 * order.size());
    for (size_t i = 0; i < order.size(); ++i)
      for (size_t d = 0; d < 3; ++d) plane.sample[3 * i + d] = static_cast<float>(all[4 * order[i] + 1 + d]);
  });
}

std::vector<double> LensPlanes::weights(const SourceDistribution& sources) const {
  if (max_source_z(sources) > z_max_ * (1 + 1e-9))
    throw std::invalid_argument("source redshift " + std::to_string(max_source_z(sources)) +
                                " lies beyond the lens planes (z_max " + std::to_string(z_max_) + ")");
  const double prefactor = 1.5 * cosmology_.parameters().omega_m / std::pow(cosmology_.hubble_distance(), 2);
  std::vector<double> w(planes_.size(), 0.0);
  constexpr int kPoints = 32;  // midpoint rule across each slab
  for (size_t j = 0; j < planes_.size(); ++j) {
    const auto& p = planes_[j];
    const double h = (p.chi_high - p.chi_low) / kPoints;
    double s = 0;
    for (int i = 0; i < kPoints; ++i) {
      const double chi = p.chi_low + (i + 0.5) * h;
      const double z = cosmology_.redshift_at_distance(chi), eff = lensing_efficiency(cosmology_, sources, z);
      if (eff <= 0) continue;
      s += chi * eff * (1 + z);
    }
    w[j] = prefactor * s * h;
  }
  return w;
}

std::vector<LensPlanes::Orientation> LensPlanes::cone(std::uint64_t seed, std::uint64_t cone_stream,
                                                      std::size_t planes) const {
  RandomStream rng(seed, cone_stream);
  std::vector<Orientation> out;
  for (size_t j = 0; j < planes; j += static_cast<size_t>(slabs_)) {
    Orientation o;
    o.axis = std::min(2, static_cast<int>(3 * rng.uniform()));
    o.swap = rng.uniform() < 0.5, o.flip0 = rng.uniform() < 0.5, o.flip1 = rng.uniform() < 0.5;
    o.flip_los = rng.uniform() < 0.5;
    o.shift0 = box_ * rng.uniform(), o.shift1 = box_ * rng.uniform();
    o.los_shift = std::min(slabs_ - 1, static_cast<int>(slabs_ * rng.uniform()));
    out.push_back(o);
  }
  return out;
}

namespace {
int slab_of(std::size_t j, const LensPlanes::Orientation& o, int slabs) {
  const int i = static_cast<int>(j % static_cast<size_t>(slabs));
  return ((o.flip_los ? slabs - 1 - i : i) + o.los_shift) % slabs;
}
}  // namespace

double LensPlanes::contrast(std::size_t j, const Orientation& o, double x_rad, double y_rad) const {
  const float* map =
      planes_[j].contrast.data() +
      static_cast<size_t>(o.axis * slabs_ + slab_of(j, o, slabs_)) * static_cast<size_t>(n_ * n_);
  const double chi = planes_[j].chi_mid;
  const double u = (o.flip0 ? -1 : 1) * chi * x_rad + o.shift0,
               v = (o.flip1 ? -1 : 1) * chi * y_rad + o.shift1;
  return o.swap ? bilinear(map, n_, box_, v, u) : bilinear(map, n_, box_, u, v);
}

bool LensPlanes::sample_particle(std::size_t j, const Orientation& o, const FlatGrid& grid, RandomStream& rng,
                                 int tries, double& x_pix, double& y_pix) const {
  const auto& sample = planes_[j].sample;
  const size_t count = sample.size() / 3;
  if (count == 0) return false;
  const double thickness = box_ / slabs_, chi = planes_[j].chi_mid, deg = std::numbers::pi / 180;
  const int slab = slab_of(j, o, slabs_);
  const int a0 = o.axis == 0 ? 1 : 0, a1 = o.axis == 2 ? 1 : 2;
  auto centred = [&](double t, double shift) {  // offset from the shift, in [-box/2, box/2)
    double d = std::fmod(t - shift, box_);
    if (d < -box_ / 2) d += box_;
    if (d >= box_ / 2) d -= box_;
    return d;
  };
  for (int t = 0; t < tries; ++t) {
    const size_t i = std::min(count - 1, static_cast<size_t>(rng.uniform() * static_cast<double>(count)));
    const double los = sample[3 * i + static_cast<size_t>(o.axis)];
    if (std::min(slabs_ - 1, static_cast<int>(los / thickness)) != slab) continue;
    const double t0 = sample[3 * i + static_cast<size_t>(a0)], t1 = sample[3 * i + static_cast<size_t>(a1)];
    const double u = o.swap ? t1 : t0, v = o.swap ? t0 : t1;
    const double x = (o.flip0 ? -1 : 1) * centred(u, o.shift0) / chi,
                 y = (o.flip1 ? -1 : 1) * centred(v, o.shift1) / chi;
    const double px = x / deg / grid.pixel_deg() + 0.5 * static_cast<double>(grid.nx - 1);
    const double py = y / deg / grid.pixel_deg() + 0.5 * static_cast<double>(grid.ny - 1);
    if (px >= -0.5 && py >= -0.5 && px < static_cast<double>(grid.nx) - 0.5 &&
        py < static_cast<double>(grid.ny) - 0.5) {
      x_pix = px, y_pix = py;
      return true;
    }
  }
  return false;
}

std::size_t LensPlanes::plane_at(double chi) const {
  const double thickness = box_ / slabs_;
  return std::min(planes_.size() - 1, static_cast<size_t>(std::max(0.0, chi / thickness)));
}

std::vector<double> LensPlanes::convergence(const FlatGrid& grid, const SourceDistribution& sources,
                                            std::uint64_t seed, std::uint64_t cone_stream) const {
  const auto w = weights(sources);
  std::vector<double> kappa(static_cast<size_t>(grid.pixels()), 0.0);
  const auto orientations = cone(seed, cone_stream, planes_.size());
  const double deg = std::numbers::pi / 180;
  for (size_t j = 0; j < planes_.size(); ++j) {
    if (w[j] == 0) continue;
    const auto& o = orientations[j / static_cast<size_t>(slabs_)];
    for (long iy = 0; iy < grid.ny; ++iy)
      for (long ix = 0; ix < grid.nx; ++ix)
        kappa[static_cast<size_t>(iy * grid.nx + ix)] +=
            w[j] * contrast(j, o, grid.x_of(ix) * deg, grid.y_of(iy) * deg);
  }
  return kappa;
}

}  // namespace lofimap::pipeline
