#include "pipeline/products/peaks_product.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "io/atomic_output.hpp"
#include "io/error.hpp"
#include "io/fits_maps.hpp"
#include "io/fits_table.hpp"
#include "io/fits_table_writer.hpp"
#include "pipeline/core/flat_grid_wcs.hpp"
#include "pipeline/flat/flat_geometry.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/flat/flat_peaks.hpp"
#include "pipeline/products/provenance.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/sphere/sphere_scalar_maps.hpp"

namespace lofimap::pipeline {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One scalar map of either geometry: values (NaN outside), which pixels are inside, and how to smooth it.
struct ScalarMap {
  bool healpix = false;
  FlatGrid grid;   // flat
  long nside = 0;  // HEALPix
  std::vector<double> values;
  std::vector<char> inside;
  double pixel_arcmin() const {
    return healpix ? std::sqrt(4 * std::numbers::pi /
                               (12.0 * static_cast<double>(nside) * static_cast<double>(nside))) *
                         180.0 * 60.0 / std::numbers::pi
                   : grid.pixel_arcmin;
  }
  // Gaussian smoothing (sigma in arcmin) of `v` with the pixels outside set to 0.
  std::vector<double> smooth(std::vector<double> v, double sigma_arcmin) const {
    for (size_t i = 0; i < v.size(); ++i)
      if (!inside[i] || !std::isfinite(v[i])) v[i] = 0;
    if (!(sigma_arcmin > 0)) return v;
    if (healpix) return sphere_gaussian_smooth(v, nside, sigma_arcmin);
    return flat_gaussian_smooth(v, grid.nx, grid.ny, sigma_arcmin / grid.pixel_arcmin, 2);
  }
};

class MapFile {
 public:
  explicit MapFile(std::string path) : path_(std::move(path)), healpix_(io::is_healpix_fits(path_)) {
    names_ = healpix_ ? io::FitsTable(path_, "1").column_names() : io::fits_extension_names(path_);
  }
  bool healpix() const { return healpix_; }
  const std::string& path() const { return path_; }
  bool has(const std::string& name) const {
    return std::any_of(names_.begin(), names_.end(),
                       [&](const std::string& n) { return upper(n) == upper(name); });
  }
  std::string listed() const {
    std::string s;
    for (const auto& n : names_) s += (s.empty() ? "" : ", ") + n;
    return s;
  }
  // The named map; `like` (when given) must have the same grid.
  ScalarMap read(const std::string& name, const ScalarMap* like = nullptr) const {
    if (!has(name))
      throw io::Error(
          path_, "reading " + std::string(healpix_ ? "column " : "HDU ") + name,
          "the file has no such " + std::string(healpix_ ? "column" : "HDU") + " (it has " + listed() + ")");
    ScalarMap m;
    m.healpix = healpix_;
    if (healpix_) {
      io::HealpixMap h = io::read_healpix_fits(path_, name, io::kHealpixUnseen, true);
      if (h.nested) h.data = sphere_nested_to_ring(h.data, h.nside);  // region maps are NESTED
      m.nside = h.nside;
      m.values.resize(h.data.size());
      m.inside.resize(h.data.size());
      for (size_t p = 0; p < h.data.size(); ++p) {
        const bool seen = std::isfinite(h.data[p]) && h.data[p] > -1e30f;
        m.values[p] = seen ? h.data[p] : kNaN;
        m.inside[p] = seen;
      }
    } else {
      const io::FlatImage f = io::read_flat_fits(path_, name);
      m.grid = flat_grid(f.grid);
      m.values.assign(f.data.begin(), f.data.end());
      m.inside.resize(m.values.size());
      for (size_t i = 0; i < m.values.size(); ++i) m.inside[i] = std::isfinite(m.values[i]);
    }
    if (like &&
        (m.values.size() != like->values.size() || m.nside != like->nside || m.grid.nx != like->grid.nx))
      throw io::Error(path_, "reading " + name, "not on the grid of the map whose peaks are sought");
    return m;
  }
  // A number of the map's own HDU (flat), else of the primary header.
  std::optional<double> number(const std::string& hdu, const std::string& key) const {
    if (!healpix_)
      if (auto v = io::read_extension_number(path_, hdu, key)) return v;
    return io::read_primary_number(path_, key);
  }

 private:
  static std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }
  std::string path_;
  bool healpix_ = false;
  std::vector<std::string> names_;
};

// The companion of a map named like KAPPA_E_BIN2: `replacement` for its leading `from` (NGAL, KAPPA_B).
std::string companion(const std::string& hdu, const std::string& from, const std::string& replacement) {
  return hdu.rfind(from, 0) == 0 ? replacement + hdu.substr(from.size()) : "";
}

// The bin suffix of a map name (KAPPA_E_BIN2 -> _BIN2), "" for none.
std::string bin_suffix(const std::string& hdu) {
  const auto at = hdu.rfind("_BIN");
  return at == std::string::npos ? "" : hdu.substr(at);
}

}  // namespace

void PeaksConfig::validate() const {
  if (map.empty()) throw std::invalid_argument("--map: no map given");
  if (!(smoothing_arcmin >= 0 && std::isfinite(smoothing_arcmin)))
    throw std::invalid_argument("--smooth: Gaussian sigma must be >= 0 arcmin");
  if (!std::isfinite(threshold)) throw std::invalid_argument("--threshold: must be a finite S/N");
  if (!(min_coverage >= 0 && min_coverage <= 1))
    throw std::invalid_argument("--min-coverage: a fraction in [0, 1]");
  if (output.path.empty()) throw std::invalid_argument("--output: no output path given");
  require_fits_name(output, "a peak catalogue");
  check_product_outputs(output, {}, {map});
}

ProductReport run_peaks(const PeaksConfig& c) {
  c.validate();
  io::AtomicOutput out(c.output.path, c.output.overwrite);
  const MapFile file(c.map);
  std::string hdu = c.hdu;
  if (hdu.empty()) hdu = file.has("KAPPA_E") ? "KAPPA_E" : "KAPPA";
  ScalarMap map = file.read(hdu);
  // A MASK of the same product narrows the footprint (flat products mark it; HEALPix ones use UNSEEN).
  const std::string mask_name = "MASK";
  if (!file.healpix() && file.has(mask_name)) {
    const ScalarMap mask = file.read(mask_name, &map);
    for (size_t i = 0; i < map.inside.size(); ++i) map.inside[i] = map.inside[i] && mask.values[i] > 0;
  }
  const double pixel = map.pixel_arcmin();
  const std::vector<double> smoothed = map.smooth(map.values, c.smoothing_arcmin);
  // Where peaks are sought, and the noise measured: not where less than min_coverage of the kernel lies
  // inside the footprint (the map's edge leaks and rings).
  std::vector<char> searched = map.inside;
  if (c.smoothing_arcmin > 0 && c.min_coverage > 0) {
    std::vector<double> inside(map.inside.size());
    for (size_t i = 0; i < inside.size(); ++i) inside[i] = map.inside[i] ? 1.0 : 0.0;
    const std::vector<double> coverage = map.smooth(inside, c.smoothing_arcmin);
    for (size_t i = 0; i < coverage.size(); ++i) searched[i] = searched[i] && coverage[i] >= c.min_coverage;
  }

  // The noise of the smoothed map, per pixel.
  std::string method = c.noise;
  const std::string suffix = bin_suffix(hdu);
  const std::string ngal = "NGAL" + suffix;
  std::string b_name = companion(hdu, "KAPPA_E", "KAPPA_B");
  if (b_name.empty() && hdu.rfind("KAPPA_", 0) != 0) b_name = companion(hdu, "KAPPA", "KAPPA_B");
  if (b_name.empty() && hdu.rfind("KAPPA_BIN", 0) == 0) b_name = companion(hdu, "KAPPA", "KAPPA_B");
  const std::optional<double> sigma_e = file.number(hdu, "LMSIGE");
  // The map's own error bar, unsmoothed: KS's exact NOISE_STD, the Wiener posterior std, LoFi's calibrated
  // KAPPA_STD (what its interval says, noise and what the network cannot know together).
  std::string own_std;
  if (hdu == "KAPPA_E" + suffix || hdu == "KAPPA_B" + suffix)
    own_std = "NOISE_STD" + suffix;
  else if (hdu == "KAPPA_WIENER" + suffix)
    own_std = "KAPPA_WIENER_STD" + suffix;
  else if (hdu == "KAPPA" + suffix)
    own_std = "KAPPA_STD" + suffix;
  if (method == "auto" && c.smoothing_arcmin == 0 && !own_std.empty() && file.has(own_std)) method = own_std;
  if (method == "auto") {
    // Shape noise through KS is known for KS maps (E or B); not for a LoFi or Wiener map (LMHASH: a model).
    const bool ks_map = (hdu.rfind("KAPPA_E", 0) == 0 || hdu.rfind("KAPPA_B", 0) == 0) &&
                        !io::read_primary_text(c.map, "LMHASH");
    if (ks_map && file.has(ngal) && sigma_e)
      method = "analytic";
    else if (!b_name.empty() && file.has(b_name))
      method = "b-mode";
    else
      throw std::invalid_argument(
          "--noise: no noise estimate for " + hdu + " of " + c.map +
          " (no NGAL with LMSIGE, no B map): give --noise b-mode, --noise NAME (a noise-std "
          "HDU or column) or --noise none (the map is S/N)");
  }
  std::vector<double> noise(map.values.size(), 1.0);
  std::ostringstream noise_text;
  if (method == "none") {
    noise_text << "none (the map is S/N)";
  } else if (method == "analytic") {
    if (!file.has(ngal) || !sigma_e)
      throw std::invalid_argument("--noise analytic: " + c.map + " needs " + ngal +
                                  " and LMSIGE (a `lofimap ks` map)");
    const ScalarMap counts = file.read(ngal, &map);
    // Shape noise sigma_e^2 / N per pixel through the Gaussian W of the map's total smoothing s (pixels): the
    // variance is sum_j W_ij^2 sigma_e^2 / N_j, and W^2 is a Gaussian of s / sqrt(2) times 1 / (4 pi s^2).
    const double pre = file.number(hdu, "LMSMOOTH").value_or(0.0);
    const double total = std::sqrt(pre * pre + c.smoothing_arcmin * c.smoothing_arcmin);
    std::vector<double> inverse(map.values.size(), 0.0);
    for (size_t i = 0; i < inverse.size(); ++i)
      inverse[i] = counts.values[i] > 0 ? 1.0 / counts.values[i] : 0.0;
    const double s_pix = total / pixel;
    std::vector<double> variance = inverse;
    if (total > 0) {
      ScalarMap all = map;
      std::fill(all.inside.begin(), all.inside.end(), 1);
      variance = all.smooth(inverse, total / std::sqrt(2.0));
      for (auto& v : variance) v *= 1 / (4 * std::numbers::pi * s_pix * s_pix);
    }
    for (size_t i = 0; i < noise.size(); ++i) {
      noise[i] = *sigma_e * std::sqrt(std::max(variance[i], 0.0));
      if (!(noise[i] > 0)) noise[i] = std::numeric_limits<double>::infinity();  // no galaxy in reach
    }
    noise_text << "analytic: sigma_e " << *sigma_e << " over " << ngal << ", total smoothing " << total
               << "'";
  } else if (method == "b-mode") {
    if (b_name.empty() || !file.has(b_name))
      throw std::invalid_argument("--noise b-mode: " + c.map + " holds no B map for " + hdu +
                                  (b_name.empty() ? "" : " (" + b_name + ")"));
    const ScalarMap b = file.read(b_name, &map);
    const std::vector<double> bs = map.smooth(b.values, c.smoothing_arcmin);
    double sum = 0;
    long long n = 0;
    for (size_t i = 0; i < bs.size(); ++i)
      if (searched[i]) sum += bs[i] * bs[i], ++n;
    const double rms = n > 0 ? std::sqrt(sum / static_cast<double>(n)) : 0;
    if (!(rms > 0))
      throw std::invalid_argument("--noise b-mode: " + b_name + " is zero inside the footprint");
    std::fill(noise.begin(), noise.end(), rms);
    noise_text << "b-mode: rms of " << b_name << " smoothed alike, " << rms;
  } else {
    if (c.smoothing_arcmin > 0)
      throw std::invalid_argument(
          "--noise " + method +
          ": a noise map describes the unsmoothed map; drop --smooth or use --noise analytic/b-mode");
    noise = file.read(method, &map).values;
    noise_text << "per pixel from " << method;
  }

  std::vector<double> snr(smoothed.size());
  for (size_t i = 0; i < snr.size(); ++i) snr[i] = noise[i] > 0 ? smoothed[i] / noise[i] : kNaN;
  std::vector<long long> peaks;
  if (map.healpix) {
    peaks = sphere_peaks(snr, searched, map.nside, c.threshold);
  } else {
    for (long p : flat_peaks(snr, searched, map.grid.nx, map.grid.ny, c.threshold)) peaks.push_back(p);
  }
  long long inside = 0;
  for (char v : searched) inside += v != 0;
  const double area_deg2 = static_cast<double>(inside) * pixel * pixel / 3600.0;

  std::vector<std::string> names = {"RA", "DEC", "KAPPA", "SNR", "NOISE"};
  if (map.healpix)
    names.push_back("PIXEL");
  else
    names.push_back("PIX_X"), names.push_back("PIX_Y");
  auto cards = software_cards(c.output.command_line);
  cards.push_back({"LMMAP", c.map, "map whose peaks these are"});
  cards.push_back({"LMHDU", hdu, "its HDU or column"});
  cards.push_back({"LMSMOOTH", c.smoothing_arcmin, "[arcmin] Gaussian sigma applied before finding peaks"});
  cards.push_back({"LMTHRESH", c.threshold, "S/N threshold"});
  cards.push_back({"LMCOVER", c.min_coverage, "least fraction of the kernel inside the footprint"});
  cards.push_back({"LMNOISE", noise_text.str(), "noise of the smoothed map"});
  cards.push_back({"LMNPEAK", static_cast<long long>(peaks.size()), "peaks found"});
  cards.push_back({"LMAREA", area_deg2, "[deg^2] footprint searched"});
  {
    io::FitsTableWriter writer(out.temp_path(), "PEAKS", names, cards);
    std::vector<std::vector<double>> columns(names.size(), std::vector<double>(peaks.size()));
    for (size_t k = 0; k < peaks.size(); ++k) {
      const long long p = peaks[k];
      double ra = 0, dec = 0;
      if (map.healpix) {
        sphere_pix2ang(map.nside, p, ra, dec);
        columns[5][k] = static_cast<double>(p);
      } else {
        const long ix = static_cast<long>(p % map.grid.nx), iy = static_cast<long>(p / map.grid.nx);
        gnomonic_deproject(map.grid.centre, map.grid.x_of(ix), map.grid.y_of(iy), ra, dec);
        columns[5][k] = static_cast<double>(map.grid.nx - ix);  // FITS column, 1-based, East left
        columns[6][k] = static_cast<double>(iy + 1);
      }
      columns[0][k] = ra, columns[1][k] = dec;
      columns[2][k] = smoothed[static_cast<size_t>(p)], columns[3][k] = snr[static_cast<size_t>(p)];
      columns[4][k] = noise[static_cast<size_t>(p)];
    }
    std::vector<const double*> pointers;
    for (const auto& col : columns) pointers.push_back(col.data());
    writer.append(pointers, static_cast<long>(peaks.size()));
    writer.close();
  }
  out.commit();
  ProductReport report;
  report.written.push_back(c.output.path);
  std::ostringstream s;
  s << peaks.size() << " peaks at S/N >= " << c.threshold << " in " << hdu << " of " << c.map << " ("
    << (map.healpix ? "HEALPix nside " + std::to_string(map.nside)
                    : "flat " + std::to_string(map.grid.nx) + " x " + std::to_string(map.grid.ny))
    << "), smoothing " << c.smoothing_arcmin << "', footprint " << area_deg2 << " deg^2 ("
    << (area_deg2 > 0 ? static_cast<double>(peaks.size()) / area_deg2 : 0.0)
    << " per deg^2)\nnoise: " << noise_text.str();
  report.summary = s.str();
  return report;
}

}  // namespace lofimap::pipeline
