#include "pipeline/simulate/galaxy_sampling.hpp"

#include <healpix_map.h>
#include <pointing.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <optional>
#include <stdexcept>

#include "io/fits_table_writer.hpp"
#include "pipeline/catalogue/survey_preset.hpp"
#include "pipeline/core/random_stream.hpp"
#include "pipeline/simulate/sky_mask.hpp"
#include "pipeline/simulate/sphere_random_fields.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"

namespace lofimap::pipeline {

void observed_reduced_shear(double kappa, double gamma1, double gamma2, double& g1, double& g2) {
  if (std::abs(1 - kappa) < 1e-12) {
    g1 = g2 = 0;
    return;
  }
  std::complex<double> g = std::complex<double>(gamma1, gamma2) / (1 - kappa);
  if (std::norm(g) > 1) g = 1.0 / std::conj(g);
  g1 = g.real(), g2 = g.imag();
}

namespace {

constexpr double kDeg = std::numbers::pi / 180.0;

double bilinear(const std::vector<double>& grid, const FlatGrid& p, double fx, double fy) {
  fx = std::clamp(fx, 0.0, static_cast<double>(p.nx - 1) - 1e-9);
  fy = std::clamp(fy, 0.0, static_cast<double>(p.ny - 1) - 1e-9);
  const long ix = static_cast<long>(fx), iy = static_cast<long>(fy);
  const double tx = fx - static_cast<double>(ix), ty = fy - static_cast<double>(iy);
  auto at = [&](long x, long y) { return grid[static_cast<size_t>(y * p.nx + x)]; };
  return (1 - ty) * ((1 - tx) * at(ix, iy) + tx * at(ix + 1, iy)) +
         ty * ((1 - tx) * at(ix, iy + 1) + tx * at(ix + 1, iy + 1));
}

// Observed shape of a galaxy with true (kappa, gamma) and intrinsic noise n (|n| < 1); appends to the sample.
// Reduced shear uses the exact transformation of Seitz & Schneider (1997): e = (n + g) / (1 + g* n) for
// |g| <= 1 and e = (1 + g n*) / (n* + g*) beyond (critical regions of massive haloes); both keep |e| < 1.
void observe(GalaxySample& s, RandomStream& rng, const ShapeNoise& noise, double ra, double dec, double kappa,
             double gamma1, double gamma2) {
  std::complex<double> g(gamma1, gamma2);
  if (noise.reduced_shear) g /= (1 - kappa);
  auto intrinsic = [&] {
    while (true) {
      const std::complex<double> n(noise.sigma_e * rng.normal(), noise.sigma_e * rng.normal());
      if (std::norm(n) < 1) return n;
    }
  };
  std::complex<double> e;
  if (noise.reduced_shear) {
    const auto n = intrinsic();
    e = std::norm(g) <= 1 ? (n + g) / (1.0 + std::conj(g) * n)
                          : (1.0 + g * std::conj(n)) / (std::conj(n) + std::conj(g));
  } else {
    // Weak-lensing approximation e = n + gamma, redrawn until |e| < 1; a shear of 1 or more has no such
    // shape.
    if (std::norm(g) >= 1) {
      throw std::invalid_argument("shear |gamma| >= 1 at RA " + std::to_string(ra) + ", Dec " +
                                  std::to_string(dec) +
                                  ": use --reduced-shear (exact transformation) or a less massive halo");
    }
    do {
      e = intrinsic() + g;
    } while (std::norm(e) >= 1);
  }
  s.galaxies.push_back(ra, dec, e.real(), e.imag(), 1.0);
  s.true_kappa.push_back(kappa);
  s.true_g1.push_back(g.real());
  s.true_g2.push_back(g.imag());
}

void reset(GalaxySample& s, size_t n) {
  s.galaxies = ShearCatalogue{};
  s.galaxies.reserve(n);
  for (auto* v : {&s.true_kappa, &s.true_g1, &s.true_g2, &s.z}) {
    v->clear();
    v->reserve(n);
  }
}

// The Poisson process both samplers share: stream 0 of `seed` draws the total (or `count` fixes it), stream c
// + 1 fills chunk c; draw(rng, sample) adds one candidate galaxy (or skips it when masked).
template <typename Draw>
void for_each_chunk(long long count, double mean, std::uint64_t seed, long chunk, const GalaxySink& sink,
                    Draw draw) {
  RandomStream counter(seed, 0);
  const long long total = count >= 0 ? count : static_cast<long long>(counter.poisson(mean));
  GalaxySample s;
  long long chunk_index = 0;
  for (long long done = 0; done < total; done += chunk, ++chunk_index) {
    const long m = static_cast<long>(std::min<long long>(chunk, total - done));
    RandomStream rng(seed, static_cast<std::uint64_t>(chunk_index) + 1);
    reset(s, static_cast<size_t>(m));
    for (long i = 0; i < m; ++i) draw(rng, s);
    sink(s);
  }
}

// Redshifts from a tabulated n(z), piecewise linear between the table's points: the cumulative distribution
// of each trapezoid inverted exactly (a quadratic in the offset).
class RedshiftSampler {
 public:
  explicit RedshiftSampler(const SourceDistribution& nz) : z_(nz.z), n_(nz.n) {
    if (z_.size() < 2 || n_.size() != z_.size()) throw std::invalid_argument("--nz: need at least two rows");
    cdf_.assign(z_.size(), 0.0);
    for (size_t i = 1; i < z_.size(); ++i)
      cdf_[i] = cdf_[i - 1] + 0.5 * (n_[i - 1] + n_[i]) * (z_[i] - z_[i - 1]);
    if (!(cdf_.back() > 0)) throw std::invalid_argument("--nz: the redshift distribution has no weight");
  }
  double draw(RandomStream& rng) const {
    const double target = rng.uniform() * cdf_.back();
    const size_t i =
        std::min(z_.size() - 1,
                 static_cast<size_t>(std::upper_bound(cdf_.begin(), cdf_.end(), target) - cdf_.begin()));
    const size_t lo = i == 0 ? 0 : i - 1;
    const double dz = z_[lo + 1] - z_[lo], a = n_[lo], slope = (n_[lo + 1] - n_[lo]) / dz,
                 need = target - cdf_[lo];
    // a x + slope x^2 / 2 = need for x in [0, dz].
    double x = std::abs(slope) < 1e-12 * std::max(a, 1e-300)
                   ? need / a
                   : (-a + std::sqrt(std::max(0.0, a * a + 2 * slope * need))) / slope;
    if (!std::isfinite(x)) x = 0;
    return z_[lo] + std::clamp(x, 0.0, dz);
  }

 private:
  std::vector<double> z_, n_, cdf_;
};

void check_noise(const ShapeNoise& noise, double density) {
  if (!(noise.sigma_e >= 0 && noise.sigma_e < 1))
    throw std::invalid_argument("--sigma-e: must lie in [0, 1)");
  if (!(density >= 0) || !std::isfinite(density))
    throw std::invalid_argument("--density: n_gal must be >= 0");
}

}  // namespace

void sample_flat_galaxies(const FlatSky& sky, long long count, double density, const ShapeNoise& noise,
                          const SkyMask* mask, std::uint64_t seed, long chunk, const GalaxySink& sink) {
  check_noise(noise, density);
  const FlatGrid& p = sky.patch;
  const double area = static_cast<double>(p.nx * p.ny) * p.pixel_arcmin * p.pixel_arcmin;
  const bool tomographic = !sky.plane_z.empty();
  std::optional<RedshiftSampler> redshifts;
  if (tomographic) redshifts.emplace(sky.nz);
  for_each_chunk(count, density * area, seed, chunk, sink, [&](RandomStream& rng, GalaxySample& s) {
    const double fx = rng.uniform() * static_cast<double>(p.nx),
                 fy = rng.uniform() * static_cast<double>(p.ny);
    double ra = 0, dec = 0;
    gnomonic_deproject(p.centre, (fx - 0.5 * static_cast<double>(p.nx)) * p.pixel_deg(),
                       (fy - 0.5 * static_cast<double>(p.ny)) * p.pixel_deg(), ra, dec);
    if (mask && !mask->contains(ra, dec)) return;
    if (!tomographic) {
      observe(s, rng, noise, ra, dec, bilinear(sky.kappa, p, fx - 0.5, fy - 0.5),
              bilinear(sky.gamma1, p, fx - 0.5, fy - 0.5), bilinear(sky.gamma2, p, fx - 0.5, fy - 0.5));
      return;
    }
    // The galaxy's redshift, then the fields of the source planes around it, linear in z.
    const double z = redshifts->draw(rng);
    const auto& zs = sky.plane_z;
    const size_t hi = std::clamp<size_t>(
        static_cast<size_t>(std::upper_bound(zs.begin(), zs.end(), z) - zs.begin()), 1, zs.size() - 1);
    const double t = std::clamp((z - zs[hi - 1]) / (zs[hi] - zs[hi - 1]), 0.0, 1.0);
    auto at = [&](const std::vector<std::vector<double>>& f) {
      return (1 - t) * bilinear(f[hi - 1], p, fx - 0.5, fy - 0.5) +
             t * bilinear(f[hi], p, fx - 0.5, fy - 0.5);
    };
    observe(s, rng, noise, ra, dec, at(sky.plane_kappa), at(sky.plane_gamma1), at(sky.plane_gamma2));
    s.z.push_back(z);
  });
}

namespace {
// Sphere positions drawn uniformly inside the mask's zone (the mask then removes what lies outside its other
// cuts). Drawing over the whole sky and rejecting cost ~90 us per galaxy kept for a 3 deg disc.
class SphereZone {
 public:
  explicit SphereZone(const SkyMask* mask) : z_(mask ? mask->spec().zone() : SkyZone{}) {
    if (z_.cap) cap_.emplace(z_.ra0_deg, z_.dec0_deg, z_.cos_radius);
  }
  double area_sr() const { return z_.area_sr(); }
  // Two uniform draws per position. Without cuts: z = 2 u - 1, phi = 2 pi u (the stream of a full-sky draw).
  void draw(RandomStream& rng, double& ra, double& dec) const {
    const double u1 = rng.uniform(), u2 = rng.uniform();
    if (cap_) return cap_->point(u1, u2, ra, dec);
    const double z = z_.z_lo + (z_.z_hi - z_.z_lo) * u1, phi = z_.phi_lo + z_.phi_width * u2;
    dec = std::asin(z) / kDeg;
    ra = phi / kDeg;
    if (ra >= 360) ra -= 360;
  }

 private:
  SkyZone z_;
  std::optional<CapSampler> cap_;
};
}  // namespace

void sample_sphere_galaxies(const SphereSimulation& sky, double density, const ShapeNoise& noise,
                            const SkyMask* mask, std::uint64_t seed, long chunk, const GalaxySink& sink) {
  check_noise(noise, density);
  if (sky.q.empty()) throw std::invalid_argument("sphere simulation has no shear maps");
  auto to_map = [&](const std::vector<double>& v) {
    Healpix_Map<double> m(static_cast<int>(sky.nside), RING, SET_NSIDE);
    for (size_t i = 0; i < v.size(); ++i) m[static_cast<int>(i)] = v[i];
    return m;
  };
  const auto kappa = to_map(sky.kappa), q = to_map(sky.q), u = to_map(sky.u);
  const SphereZone zone(mask);
  const double zone_arcmin2 = zone.area_sr() * std::pow(180 * 60 / std::numbers::pi, 2);
  for_each_chunk(-1, density * zone_arcmin2, seed, chunk, sink, [&](RandomStream& rng, GalaxySample& s) {
    double ra = 0, dec = 0;
    zone.draw(rng, ra, dec);
    if (mask && !mask->contains(ra, dec)) return;
    const pointing ptg((90.0 - dec) * kDeg, ra * kDeg);
    // Internal flat frame (g1, g2) = -(Q, U).
    observe(s, rng, noise, ra, dec, kappa.interpolated_value(ptg), -q.interpolated_value(ptg),
            -u.interpolated_value(ptg));
  });
}

struct CatalogueWriter::Impl {
  SurveyPreset preset;
  std::unique_ptr<io::FitsTableWriter> writer;
  bool redshift = false;
};

CatalogueWriter::CatalogueWriter(const std::string& path, const std::string& preset_name, bool redshift)
    : impl_(new Impl) {
  impl_->preset = survey_preset(preset_name);
  const ColumnMap& c = impl_->preset.columns;
  std::vector<std::string> names;
  for (const auto* n : {&c.ra, &c.dec, &c.e1, &c.e2, &c.weight, &c.r11, &c.r22, &c.m, &c.c1, &c.c2, &c.e_rms})
    if (!n->empty()) names.push_back(*n);
  for (const char* n : {"TRUE_KAPPA", "TRUE_GAMMA1", "TRUE_GAMMA2"}) names.push_back(n);
  impl_->redshift = redshift;
  if (redshift) names.push_back(c.z.empty() ? "Z" : c.z);
  impl_->writer = std::make_unique<io::FitsTableWriter>(path, "CATALOGUE", names);
}

CatalogueWriter::~CatalogueWriter() = default;

void CatalogueWriter::append(const GalaxySample& s) {
  const SurveyPreset& p = impl_->preset;
  const auto& g = s.galaxies;
  const size_t n = g.size();
  // Inverse of ingest: catalogue e = internal g / flat sign; HSC stores e = 2 R g with R = 1 here.
  const double scale = p.calibration == Calibration::Hsc ? 2.0 : 1.0;
  std::vector<double> e1(n), e2(n), t1(n), t2(n), ones(n, 1.0), zeros(n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    e1[i] = scale * g.g1[i] / p.flat_sign1;
    e2[i] = scale * g.g2[i] / p.flat_sign2;
    t1[i] = s.true_g1.empty() ? 0 : s.true_g1[i] / p.flat_sign1;
    t2[i] = s.true_g2.empty() ? 0 : s.true_g2[i] / p.flat_sign2;
  }
  const ColumnMap& c = p.columns;
  std::vector<const double*> cols = {g.ra_deg.data(), g.dec_deg.data(), e1.data(), e2.data()};
  if (!c.weight.empty()) cols.push_back(g.weight.data());
  if (!c.r11.empty()) cols.push_back(ones.data());
  if (!c.r22.empty()) cols.push_back(ones.data());
  if (!c.m.empty()) cols.push_back(zeros.data());
  if (!c.c1.empty()) cols.push_back(zeros.data());
  if (!c.c2.empty()) cols.push_back(zeros.data());
  if (!c.e_rms.empty()) cols.push_back(zeros.data());
  cols.push_back(s.true_kappa.data());
  cols.push_back(t1.data());
  cols.push_back(t2.data());
  if (impl_->redshift) {
    if (s.z.size() != n) throw std::logic_error("catalogue writer: a galaxy without its redshift");
    cols.push_back(s.z.data());
  }
  impl_->writer->append(cols, static_cast<long>(n));
  rows_ += static_cast<long long>(n);
}

void CatalogueWriter::close() {
  impl_->writer->close();
}

}  // namespace lofimap::pipeline
