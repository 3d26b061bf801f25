#include "pipeline/synthetic_sky.hpp"

#include <cmath>
#include <random>
#include <stdexcept>

#include "io/fits_table_writer.hpp"
#include "pipeline/flat_kaiser_squires.hpp"
#include "pipeline/survey_preset.hpp"

namespace lofimap::pipeline {

SyntheticSky make_synthetic_sky(const FlatPatch& patch, const std::vector<GaussianHalo>& haloes) {
  validate_patch(patch);
  SyntheticSky sky;
  sky.patch = patch;
  const size_t n = static_cast<size_t>(patch.nx * patch.ny);
  sky.kappa.assign(n, 0.0);
  for (const auto& h : haloes) {
    const auto c = gnomonic_project(patch.centre, h.ra_deg, h.dec_deg);
    const double s = h.sigma_arcmin / 60.0;
    for (long iy = 0; iy < patch.ny; ++iy)
      for (long ix = 0; ix < patch.nx; ++ix) {
        const double dx = patch.x_of(ix) - c.x_deg, dy = patch.y_of(iy) - c.y_deg;
        sky.kappa[static_cast<size_t>(iy * patch.nx + ix)] += h.kappa0 * std::exp(-0.5 * (dx * dx + dy * dy) / (s * s));
      }
  }
  // Mass only inside the patch: zero padding (factor 2) gives its shear without periodic images.
  const auto shear = flat_shear_from_convergence({patch.nx, patch.ny, sky.kappa, {}}, 2.0);
  sky.gamma1 = shear.a;
  sky.gamma2 = shear.b;
  return sky;
}

std::vector<GaussianHalo> random_haloes(const FlatPatch& patch, int count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-0.4, 0.4), amp(0.05, 0.25), width(1.0, 4.0);
  std::vector<GaussianHalo> out;
  for (int i = 0; i < count; ++i) {
    GaussianHalo h;
    gnomonic_deproject(patch.centre, u(rng) * static_cast<double>(patch.nx) * patch.pixel_deg(),
                       u(rng) * static_cast<double>(patch.ny) * patch.pixel_deg(), h.ra_deg, h.dec_deg);
    h.kappa0 = amp(rng);
    h.sigma_arcmin = std::max(width(rng), 1.5 * patch.pixel_arcmin);
    out.push_back(h);
  }
  return out;
}

namespace {
double bilinear(const std::vector<double>& grid, const FlatPatch& p, double fx, double fy) {
  // fx, fy in pixel units from the centre of pixel (0, 0).
  fx = std::clamp(fx, 0.0, static_cast<double>(p.nx - 1) - 1e-9);
  fy = std::clamp(fy, 0.0, static_cast<double>(p.ny - 1) - 1e-9);
  const long ix = static_cast<long>(fx), iy = static_cast<long>(fy);
  const double tx = fx - static_cast<double>(ix), ty = fy - static_cast<double>(iy);
  auto at = [&](long x, long y) { return grid[static_cast<size_t>(y * p.nx + x)]; };
  return (1 - ty) * ((1 - tx) * at(ix, iy) + tx * at(ix + 1, iy)) + ty * ((1 - tx) * at(ix, iy + 1) + tx * at(ix + 1, iy + 1));
}
}  // namespace

void sample_galaxies(const SyntheticSky& sky, long long n, double sigma_e, std::uint64_t seed, long chunk,
                     const std::function<void(const GalaxySample&)>& sink) {
  if (n < 0) throw std::invalid_argument("number of galaxies must be >= 0");
  if (sigma_e < 0) throw std::invalid_argument("sigma_e must be >= 0");
  const FlatPatch& p = sky.patch;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> ux(0.0, static_cast<double>(p.nx)), uy(0.0, static_cast<double>(p.ny));
  std::normal_distribution<double> noise(0.0, sigma_e);
  GalaxySample s;
  for (long long done = 0; done < n;) {
    const long m = static_cast<long>(std::min<long long>(chunk, n - done));
    s.galaxies = ShearCatalogue{};
    s.true_kappa.clear();
    s.galaxies.reserve(static_cast<size_t>(m));
    for (long i = 0; i < m; ++i) {
      const double fx = ux(rng), fy = uy(rng);  // pixel coordinates from the grid's lower-left edge
      const double x = (fx - 0.5 * static_cast<double>(p.nx)) * p.pixel_deg();
      const double y = (fy - 0.5 * static_cast<double>(p.ny)) * p.pixel_deg();
      double ra = 0, dec = 0;
      gnomonic_deproject(p.centre, x, y, ra, dec);
      const double g1 = bilinear(sky.gamma1, p, fx - 0.5, fy - 0.5), g2 = bilinear(sky.gamma2, p, fx - 0.5, fy - 0.5);
      double e1 = 0, e2 = 0;
      do {
        e1 = g1 + noise(rng);
        e2 = g2 + noise(rng);
      } while (e1 * e1 + e2 * e2 >= 1);
      s.galaxies.push_back(ra, dec, e1, e2, 1.0);
      s.true_kappa.push_back(bilinear(sky.kappa, p, fx - 0.5, fy - 0.5));
    }
    sink(s);
    done += m;
  }
}

struct SyntheticCatalogueWriter::Impl {
  SurveyPreset preset;
  std::vector<std::string> names;
  std::unique_ptr<io::FitsTableWriter> writer;
};

SyntheticCatalogueWriter::SyntheticCatalogueWriter(const std::string& path, const std::string& preset_name)
    : impl_(new Impl) {
  impl_->preset = survey_preset(preset_name);
  const ColumnMap& c = impl_->preset.columns;
  for (const auto* n : {&c.ra, &c.dec, &c.e1, &c.e2, &c.weight, &c.r11, &c.r22, &c.m, &c.c1, &c.c2, &c.e_rms})
    if (!n->empty()) impl_->names.push_back(*n);
  impl_->names.push_back("TRUE_KAPPA");
  impl_->writer = std::make_unique<io::FitsTableWriter>(path, "CATALOGUE", impl_->names);
}

SyntheticCatalogueWriter::~SyntheticCatalogueWriter() = default;

void SyntheticCatalogueWriter::append(const GalaxySample& s) {
  const SurveyPreset& p = impl_->preset;
  const auto& g = s.galaxies;
  const size_t n = g.size();
  // Inverse of ingest: catalogue e = internal g / flat sign; HSC stores e = 2 R g with R = 1 here.
  const double scale = p.calibration == Calibration::Hsc ? 2.0 : 1.0;
  std::vector<double> e1(n), e2(n), ones(n, 1.0), zeros(n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    e1[i] = scale * g.g1[i] / p.flat_sign1;
    e2[i] = scale * g.g2[i] / p.flat_sign2;
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
  impl_->writer->append(cols, static_cast<long>(n));
}

void SyntheticCatalogueWriter::close() { impl_->writer->close(); }

}  // namespace lofimap::pipeline
