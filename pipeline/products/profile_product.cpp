#include "pipeline/products/profile_product.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <numbers>
#include <sstream>
#include <stdexcept>

#include "io/atomic_output.hpp"
#include "io/catalogue_files.hpp"
#include "io/fits_table_writer.hpp"
#include "io/profile_plot.hpp"
#include "pipeline/catalogue/catalogue_loader.hpp"
#include "pipeline/products/provenance.hpp"

namespace lofimap::pipeline {

namespace {
constexpr double kDeg = std::numbers::pi / 180.0;
}  // namespace

TangentialShear tangential_shear(double centre_ra_deg, double centre_dec_deg, double ra_deg, double dec_deg,
                                 double g1, double g2) {
  const double dc = centre_dec_deg * kDeg, dg = dec_deg * kDeg, da = (centre_ra_deg - ra_deg) * kDeg;
  // Bearing at the galaxy of the great circle towards the centre, from North through East.
  const double bearing = std::atan2(std::sin(da) * std::cos(dc),
                                    std::cos(dg) * std::sin(dc) - std::sin(dg) * std::cos(dc) * std::cos(da));
  // The same direction as an angle from East (x) towards North (y); the outward direction differs by pi,
  // which a spin-2 quantity does not see.
  const double phi = std::numbers::pi / 2 - bearing;
  const double c2 = std::cos(2 * phi), s2 = std::sin(2 * phi);
  TangentialShear out;
  out.t = -(g1 * c2 + g2 * s2);
  out.x = -(g2 * c2 - g1 * s2);
  const double cos_sep = std::sin(dc) * std::sin(dg) + std::cos(dc) * std::cos(dg) * std::cos(da);
  const double sin_sep = std::hypot(std::cos(dg) * std::sin(da),
                                    std::cos(dc) * std::sin(dg) - std::sin(dc) * std::cos(dg) * std::cos(da));
  out.separation_arcmin = std::atan2(sin_sep, cos_sep) / kDeg * 60.0;
  return out;
}

void ProfileConfig::validate() const {
  validate_catalogue_options(catalogue);
  if (!(std::abs(dec_deg) <= 90) || !std::isfinite(ra_deg))
    throw std::invalid_argument("--center: RA must be finite and |Dec| <= 90");
  if (!(r_min_arcmin >= 0 && r_max_arcmin > r_min_arcmin && std::isfinite(r_max_arcmin)))
    throw std::invalid_argument("--radii: need 0 <= RMIN < RMAX (arcmin)");
  if (!linear && !(r_min_arcmin > 0))
    throw std::invalid_argument("--radii: logarithmic bins need RMIN > 0 (or give --linear)");
  if (r_max_arcmin > 180 * 60) throw std::invalid_argument("--radii: RMAX beyond 180 degrees");
  if (bins < 1 || bins > 10000) throw std::invalid_argument("--bins: between 1 and 10,000 radial bins");
  if (output.path.empty()) throw std::invalid_argument("--output: no output path given");
  require_fits_name(output, "a shear profile");
  auto inputs = io::expand_catalogue_paths(catalogue.inputs);
  check_product_outputs(output,
                        output.png ? std::vector<std::string>{quicklook_path(output.path, "profile")}
                                   : std::vector<std::string>{},
                        inputs);
}

ProductReport run_profile(const ProfileConfig& c, const distributed::Communicator& comm) {
  c.validate();
  std::unique_ptr<io::AtomicOutput> out, png;
  if (comm.is_root()) {
    out = std::make_unique<io::AtomicOutput>(c.output.path, c.output.overwrite);
    if (c.output.png)
      png = std::make_unique<io::AtomicOutput>(quicklook_path(c.output.path, "profile"), c.output.overwrite);
  }
  const LoadedCatalogue cat = load_catalogue(c.catalogue, comm);
  const double sigma_e = measured_shape_noise(cat.galaxies, comm);
  const size_t nb = static_cast<size_t>(c.bins);
  std::vector<double> edges(nb + 1);
  for (size_t b = 0; b <= nb; ++b) {
    const double f = static_cast<double>(b) / static_cast<double>(nb);
    edges[b] = c.linear ? c.r_min_arcmin + f * (c.r_max_arcmin - c.r_min_arcmin)
                        : c.r_min_arcmin * std::pow(c.r_max_arcmin / c.r_min_arcmin, f);
  }
  // Per bin: [galaxies, sum w, sum w^2, sum w r, sum w gamma_t, sum w gamma_x], summed over ranks.
  constexpr size_t kSums = 6;
  std::vector<double> sums(nb * kSums, 0.0);
  const auto& g = cat.galaxies;
  for (size_t i = 0; i < g.size(); ++i) {
    const TangentialShear s =
        tangential_shear(c.ra_deg, c.dec_deg, g.ra_deg[i], g.dec_deg[i], g.g1[i], g.g2[i]);
    const double r = s.separation_arcmin;
    if (!(r >= edges.front() && r < edges.back())) continue;
    size_t b = static_cast<size_t>(std::upper_bound(edges.begin(), edges.end(), r) - edges.begin()) - 1;
    b = std::min(b, nb - 1);
    const double w = g.weight[i];
    double* t = &sums[b * kSums];
    t[0] += 1, t[1] += w, t[2] += w * w, t[3] += w * r, t[4] += w * s.t, t[5] += w * s.x;
  }
  comm.allreduce_sum(sums.data(), sums.size());
  ProductReport report;
  double in_range = 0;
  for (size_t b = 0; b < nb; ++b) in_range += sums[b * kSums];
  if (in_range == 0)  // every rank sees the same sums: all refuse together
    throw std::invalid_argument("--center/--radii: no galaxy lies between " + std::to_string(c.r_min_arcmin) +
                                "' and " + std::to_string(c.r_max_arcmin) + "' of the centre");
  if (!comm.is_root()) return report;

  std::vector<std::string> names = {"R_LO",    "R_HI",  "R_MEAN", "GAMMA_T",
                                    "GAMMA_X", "SIGMA", "NGAL",   "WEIGHT"};
  std::vector<std::vector<double>> col(names.size(), std::vector<double>(nb));
  std::ostringstream table;
  table << "  r_lo'    r_hi'   <r>'     gamma_t     gamma_x     sigma      N\n";
  long long used = 0;
  for (size_t b = 0; b < nb; ++b) {
    const double* t = &sums[b * kSums];
    const double w = t[1];
    const double nan = std::numeric_limits<double>::quiet_NaN();
    col[0][b] = edges[b], col[1][b] = edges[b + 1];
    col[2][b] = w > 0 ? t[3] / w : nan;
    col[3][b] = w > 0 ? t[4] / w : nan;
    col[4][b] = w > 0 ? t[5] / w : nan;
    // Shape noise per component through the weighted mean: sigma_e sqrt(sum w^2) / sum w.
    col[5][b] = w > 0 ? sigma_e * std::sqrt(t[2]) / w : nan;
    col[6][b] = t[0], col[7][b] = w;
    used += static_cast<long long>(t[0]);
    char line[160];
    std::snprintf(line, sizeof line, "  %7.3f  %7.3f  %7.3f  %+10.3e  %+10.3e  %9.3e  %lld\n", edges[b],
                  edges[b + 1], col[2][b], col[3][b], col[4][b], col[5][b], static_cast<long long>(t[0]));
    table << line;
  }
  auto cards = provenance_cards(c.output.command_line, cat.summary);
  cards.push_back({"LMCRA", c.ra_deg, "[deg] RA of the profile's centre"});
  cards.push_back({"LMCDEC", c.dec_deg, "[deg] Dec of the profile's centre"});
  cards.push_back({"LMSIGE", sigma_e, "measured shape noise per component (weighted rms)"});
  cards.push_back({"LMRBINS", c.linear ? std::string("linear") : std::string("logarithmic"), "radial bins"});
  {
    io::FitsTableWriter writer(out->temp_path(), "PROFILE", names, cards);
    std::vector<const double*> pointers;
    for (const auto& v : col) pointers.push_back(v.data());
    writer.append(pointers, static_cast<long>(nb));
    writer.close();
  }
  std::vector<io::AtomicOutput*> outputs{out.get()};
  if (png) {
    std::vector<double> radius(nb);
    for (size_t b = 0; b < nb; ++b)
      radius[b] = std::isfinite(col[2][b])
                      ? col[2][b]
                      : (c.linear ? 0.5 * (edges[b] + edges[b + 1]) : std::sqrt(edges[b] * edges[b + 1]));
    if (radius.front() <= 0) radius.front() = 0.5 * edges[1];
    const std::string source = catalogue_label(cat.summary.files, cat.summary.select);
    char centre[96];
    std::snprintf(centre, sizeof centre, "RA %.4f°, Dec %.4f°", c.ra_deg, c.dec_deg);
    io::write_profile_png(
        png->temp_path(), radius, {{"tangential γt", col[3], col[5]}, {"cross γ×", col[4], col[5]}},
        "Shear profile about " + std::string(centre) + " — " + source, "radius [arcmin]", "shear");
    outputs.push_back(png.get());
  }
  io::commit_together(outputs);
  for (auto* o : outputs) report.written.push_back(o->target());
  report.summary = cat.summary.report() + "\nprofile about RA " + std::to_string(c.ra_deg) + " Dec " +
                   std::to_string(c.dec_deg) + ": " + std::to_string(used) + " galaxies in " +
                   std::to_string(nb) + " bins, sigma_e " + std::to_string(sigma_e) + "\n" + table.str();
  return report;
}

}  // namespace lofimap::pipeline
