#include "pipeline/simulate/sphere_halo_sky.hpp"

#include <healpix_base.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "pipeline/core/random_stream.hpp"
#include "pipeline/simulate/truncated_nfw.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/sphere/sphere_kaiser_squires.hpp"

namespace lofimap::pipeline {

namespace {
constexpr double kDeg = std::numbers::pi / 180.0;
constexpr double kArcmin = kDeg / 60.0;

vec3 unit_vector(double ra_deg, double dec_deg) {
  const auto u = radec_unit_vector(ra_deg, dec_deg);
  return {u[0], u[1], u[2]};
}

// Angle between unit vectors, accurate at small separations (acos loses half the digits there).
double angle_between(const vec3& a, const vec3& b) {
  return std::atan2(crossprod(a, b).Length(), dotprod(a, b));
}

// Haloes pasted per batch: the (pixel, value) lists of one batch are held at once.
constexpr size_t kBatch = 1 << 15;
// Pixels are split at most this many times (into 4^8 sub-pixels) near a halo's centre.
constexpr int kMaxSubLevels = 8;
}  // namespace

double SphereCap::area_sr() const {
  if (whole_sky()) return 4 * std::numbers::pi;
  return 2 * std::numbers::pi * (1 - std::cos(radius_deg * kDeg));
}

bool SphereCap::contains(double ra, double dec) const {
  if (whole_sky()) return true;
  return dotprod(unit_vector(ra, dec), unit_vector(ra_deg, dec_deg)) >= std::cos(radius_deg * kDeg);
}

std::vector<LightconeHalo> draw_sphere_haloes(const HaloModel& model, const SphereCap& cap,
                                              std::uint64_t seed, std::uint64_t stream) {
  if (!(cap.radius_deg > 0) || !(std::abs(cap.dec_deg) <= 90))
    throw std::invalid_argument("--halo-cap: need |Dec| <= 90 and a radius > 0 deg");
  const double expected = model.haloes_per_sr() * cap.area_sr();
  if (expected > kMaxSphereHaloes)
    throw std::invalid_argument((std::ostringstream()
                                 << "halo-model sky: " << expected << " haloes expected over "
                                 << cap.area_sr() / (kDeg * kDeg) << " deg^2, more than " << kMaxSphereHaloes
                                 << "; draw them over a smaller cap (--halo-cap, or --disc) or raise "
                                    "--halo-min-mass")
                                    .str());
  const CapSampler sampler(cap.ra_deg, cap.dec_deg, std::cos(std::min(cap.radius_deg, 180.0) * kDeg));
  return model.draw_in(cap.area_sr(), 1e300, seed, stream, [&](LightconeHalo& h, RandomStream& rng) {
    const double u1 = rng.uniform(), u2 = rng.uniform();
    sampler.point(u1, u2, h.ra_deg, h.dec_deg);
  });
}

void paste_sphere_haloes(std::vector<double>& kappa, long nside, const std::vector<LightconeHalo>& haloes) {
  validate_nside(nside);
  const Healpix_Base2 base(nside, RING, SET_NSIDE);
  if (kappa.size() != static_cast<size_t>(base.Npix()))
    throw std::invalid_argument("paste_sphere_haloes: map size");
  // NESTED bases of the map's pixels and of their sub-pixels, 4^k of them at level k.
  std::vector<Healpix_Base2> levels;
  std::vector<double> size, radius;
  for (int k = 0; k <= kMaxSubLevels && (nside << k) <= (1L << 29); ++k) {
    levels.emplace_back(nside << k, NEST, SET_NSIDE);
    size.push_back(std::sqrt(4 * std::numbers::pi / static_cast<double>(levels.back().Npix())));
    radius.push_back(levels.back().max_pixrad());
  }
  std::vector<std::vector<std::pair<std::int64_t, double>>> batch;
  for (size_t first = 0; first < haloes.size(); first += kBatch) {
    const size_t count = std::min(kBatch, haloes.size() - first);
    batch.assign(count, {});
#pragma omp parallel for schedule(dynamic, 64)
    for (size_t i = 0; i < count; ++i) {
      const auto& h = haloes[first + i];
      const double theta_t = h.theta_t_arcmin * kArcmin;
      const vec3 centre = unit_vector(h.ra_deg, h.dec_deg);
      // The mean convergence over a (sub-)pixel: the profile at its centre where that is accurate (two sizes
      // from the halo centre, the halo four sizes wide), else the mean over its four children; sub-pixels
      // beyond the truncation radius hold nothing.
      const auto mean_over = [&](auto&& self, size_t level, std::int64_t nest) -> double {
        const double d = angle_between(centre, levels[level].pix2vec(nest));
        if (d > theta_t + radius[level]) return 0;
        const double s = size[level];
        if ((d >= 2 * s && theta_t >= 4 * s) || s <= theta_t / 64 || level + 1 == levels.size())
          return h.kappa_norm * truncated_nfw_sigma(d / theta_t, h.concentration);
        double sum = 0;
        for (std::int64_t child = 4 * nest; child < 4 * nest + 4; ++child)
          sum += self(self, level + 1, child);
        return sum / 4;
      };
      rangeset<std::int64_t> pixels;
      base.query_disc(pointing(centre), theta_t + radius[0], pixels);
      auto& out = batch[i];
      for (tsize r = 0; r < pixels.nranges(); ++r)
        for (std::int64_t p = pixels.ivbegin(r); p < pixels.ivend(r); ++p)
          if (const double value = mean_over(mean_over, 0, base.ring2nest(p)); value != 0)
            out.emplace_back(p, value);
    }
    for (const auto& list : batch)
      for (const auto& [p, value] : list) kappa[static_cast<size_t>(p)] += value;
  }
}

SphereHaloSky sphere_halo_model_sky(const HaloModel& model, const AngularSpectrum& total_cl, long nside,
                                    int lmax, double lambda, const SphereCap& cap, std::uint64_t seed,
                                    std::uint64_t field_stream, std::uint64_t halo_stream) {
  validate_nside(nside);
  if (lmax <= 0) lmax = static_cast<int>(3 * nside - 1);
  SphereHaloSky sky;
  sky.haloes = draw_sphere_haloes(model, cap, seed, halo_stream);  // checks the count before any map
  sky.background_cl.ell = total_cl.ell;
  const auto one_halo = model.one_halo_cl(total_cl.ell);
  for (size_t l = 0; l < total_cl.ell.size(); ++l)
    sky.background_cl.cl.push_back(std::max(0.0, total_cl.cl[l] - one_halo[l]));
  sky.sim = simulate_sphere(sky.background_cl, nside, lmax, lambda, seed, field_stream, false);
  paste_sphere_haloes(sky.sim.kappa, nside, sky.haloes);
  // The haloes' expected mean is removed where they were drawn: a uniform disc of convergence shears
  // nothing inside it, so this leaves the shear there unchanged and the convergence of mean zero.
  const double mean = model.mean_kappa();
  if (cap.whole_sky()) {
    for (auto& k : sky.sim.kappa) k -= mean;
  } else {
    const Healpix_Base2 base(nside, RING, SET_NSIDE);
    rangeset<std::int64_t> inside;
    base.query_disc(pointing(unit_vector(cap.ra_deg, cap.dec_deg)), cap.radius_deg * kDeg, inside);
    for (tsize r = 0; r < inside.nranges(); ++r)
      for (std::int64_t p = inside.ivbegin(r); p < inside.ivend(r); ++p)
        sky.sim.kappa[static_cast<size_t>(p)] -= mean;
  }
  const auto shear = sphere_shear_from_convergence(sky.sim.kappa, {}, nside, lmax);
  sky.sim.q = shear.a;
  sky.sim.u = shear.b;
  return sky;
}

}  // namespace lofimap::pipeline
