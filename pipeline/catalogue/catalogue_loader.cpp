#include "pipeline/catalogue/catalogue_loader.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "io/catalogue_files.hpp"
#include "io/error.hpp"

namespace lofimap::pipeline {

namespace {

// Per-row extras kept until the global calibration constants are known.
struct RawShapes {
  std::vector<double> m, c1, c2;
};

}  // namespace

std::string CatalogueSummary::report() const {
  std::ostringstream out;
  out << "catalogue: " << files.size() << " file(s), preset " << preset << ", calibration "
      << calibration_name(calibration) << "\n";
  out << "  rows read " << rows_read << ", valid " << rows_valid << ", rejected " << invalid.total();
  if (invalid.total() > 0) {
    out << " (non-finite " << invalid.nonfinite << ", weight<=0 " << invalid.bad_weight << ", |Dec|>90 "
        << invalid.bad_dec << ", RA outside [-360, 720] " << invalid.bad_ra << ", |e|>=1 "
        << invalid.bad_shape << ")";
  }
  out << "\n  weighted mean e subtracted (" << mean_e1 << ", " << mean_e2 << "), response " << response
      << ", 1+m " << one_plus_m;
  return out.str();
}

void validate_catalogue_options(const CatalogueOptions& o) {
  if (o.inputs.empty()) throw std::invalid_argument("--input: no catalogue given");
  survey_preset(o.preset);  // throws on an unknown preset
  if (!(o.max_invalid_fraction >= 0 && o.max_invalid_fraction <= 1))
    throw std::invalid_argument("--max-invalid-fraction: must lie in [0, 1]");
  if (!(o.multiplicative_bias > -1 && o.multiplicative_bias < 1))
    throw std::invalid_argument(
        "--m-bias: the multiplicative bias m must lie in (-1, 1) (shapes are divided by 1 + m)");
}

LoadedCatalogue load_catalogue(const CatalogueOptions& options, const distributed::Communicator& comm) {
  validate_catalogue_options(options);
  SurveyPreset preset = survey_preset(options.preset);
  override_columns(preset.columns, options.column_overrides);
  const Calibration calibration = options.calibration.value_or(preset.calibration);
  const ColumnMap& cols = preset.columns;

  io::CatalogueFiles files(io::expand_catalogue_paths(options.inputs), options.hdu);
  const std::string& first = files.paths().front();
  auto optional_column = [&](const std::string& name) { return !name.empty() && files.has_column(name); };

  std::vector<std::string> names = {cols.ra, cols.dec, cols.e1, cols.e2};
  // The preset's weight column is used when present (unit weights otherwise); one named with --column must
  // exist.
  const bool has_weight =
      !cols.weight.empty() && (options.column_overrides.count("weight") > 0 || files.has_column(cols.weight));
  if (has_weight) names.push_back(cols.weight);
  const size_t iw = has_weight ? 4 : 0;
  size_t next = names.size();
  size_t ir11 = 0, ir22 = 0, im = 0, ic1 = 0, ic2 = 0, irms = 0;
  if (calibration == Calibration::DesMetacal) {
    ir11 = next++, ir22 = next++;
    names.push_back(cols.r11), names.push_back(cols.r22);
  }
  const bool has_m =
      (calibration == Calibration::Kids || calibration == Calibration::Hsc) && optional_column(cols.m);
  const bool has_c = (calibration == Calibration::Kids || calibration == Calibration::Hsc) &&
                     optional_column(cols.c1) && optional_column(cols.c2);
  if (has_m) im = next++, names.push_back(cols.m);
  if (has_c) ic1 = next++, ic2 = next++, names.push_back(cols.c1), names.push_back(cols.c2);
  if (calibration == Calibration::Hsc) {
    irms = next++;
    names.push_back(cols.e_rms);
    if (!has_m || !has_c) {
      throw io::Error(first, "HSC calibration",
                      "needs the m, c1 and c2 columns ('" + cols.m + "', '" + cols.c1 + "', '" + cols.c2 +
                          "'); override them with --column");
    }
  }

  const auto range = distributed::split_rows(files.total_rows(), comm.rank(), comm.size());
  LoadedCatalogue out;
  ShearCatalogue& g = out.galaxies;
  g.reserve(static_cast<size_t>(range.end - range.begin));
  RawShapes extra;
  InvalidCounts bad;
  // Global sums for calibration: [sum w, sum w e1, sum w e2, sum w R, sum w m, sum w e_rms^2]
  double sums[6] = {0, 0, 0, 0, 0, 0};

  files.read(names, range.begin, range.end, [&](const io::CatalogueChunk& chunk) {
    const auto& c = chunk.columns;
    for (long i = 0; i < chunk.rows; ++i) {
      const size_t k = static_cast<size_t>(i);
      const double ra = c[0][k], dec = c[1][k], e1 = c[2][k], e2 = c[3][k];
      const double w = has_weight ? c[iw][k] : 1.0;
      double extras_ok = 1;
      for (size_t j = 4; j < c.size(); ++j) extras_ok *= std::isfinite(c[j][k]) ? 1 : 0;
      if (!std::isfinite(ra) || !std::isfinite(dec) || !std::isfinite(e1) || !std::isfinite(e2) ||
          !std::isfinite(w) || extras_ok == 0) {
        ++bad.nonfinite;
        continue;
      }
      if (!(w > 0)) {
        ++bad.bad_weight;
        continue;
      }
      if (std::abs(dec) > 90) {
        ++bad.bad_dec;
        continue;
      }
      // RA in [0, 360) or [-180, 180) by convention; a value like 1e300 is a broken row, not an angle to
      // wrap.
      if (ra < -360 || ra > 720) {
        ++bad.bad_ra;
        continue;
      }
      if (preset.bounded_shapes && e1 * e1 + e2 * e2 >= 1) {
        ++bad.bad_shape;
        continue;
      }
      const double ra_wrapped = ra - 360.0 * std::floor(ra / 360.0);
      g.push_back(ra_wrapped, dec, e1, e2, w);
      sums[0] += w, sums[1] += w * e1, sums[2] += w * e2;
      if (calibration == Calibration::DesMetacal) sums[3] += w * 0.5 * (c[ir11][k] + c[ir22][k]);
      if (has_m) {
        sums[4] += w * c[im][k];
        extra.m.push_back(c[im][k]);
      }
      if (has_c) extra.c1.push_back(c[ic1][k]), extra.c2.push_back(c[ic2][k]);
      if (calibration == Calibration::Hsc) sums[5] += w * c[irms][k] * c[irms][k];
    }
  });

  long long counts[6] = {range.end - range.begin, bad.nonfinite, bad.bad_weight, bad.bad_dec,
                         bad.bad_shape,           bad.bad_ra};
  comm.allreduce_sum(counts, 6);
  comm.allreduce_sum(sums, 6);
  CatalogueSummary& s = out.summary;
  s.files = files.paths();
  s.preset = preset.name;
  s.calibration = calibration;
  s.rows_read = counts[0];
  s.invalid = {counts[1], counts[2], counts[3], counts[4], counts[5]};
  s.rows_valid = s.rows_read - s.invalid.total();
  s.sum_weight = sums[0];

  if (s.rows_valid == 0) {
    throw io::Error(first, "reading catalogue",
                    "no valid galaxies (" + std::to_string(s.rows_read) + " rows read; " + s.report() + ")");
  }
  const double invalid_fraction = static_cast<double>(s.invalid.total()) / static_cast<double>(s.rows_read);
  if (invalid_fraction > options.max_invalid_fraction) {
    std::ostringstream msg;
    msg << "rejected " << 100 * invalid_fraction << "% of rows, above --max-invalid-fraction "
        << options.max_invalid_fraction << "\n"
        << s.report();
    throw io::Error(first, "validating catalogue", msg.str());
  }

  // Calibration constants from global weighted means (identical on every rank).
  const double mean_e1 = sums[1] / sums[0], mean_e2 = sums[2] / sums[0];
  double subtract1 = 0, subtract2 = 0, divide = 1;
  switch (calibration) {
    case Calibration::None:
      break;
    case Calibration::MeanSubtract:
      subtract1 = mean_e1, subtract2 = mean_e2;
      break;
    case Calibration::DesMetacal:
      subtract1 = mean_e1, subtract2 = mean_e2;
      divide = sums[3] / sums[0];
      s.response = divide;
      if (!(divide > 0))
        throw io::Error(first, "DES calibration", "mean response (R11+R22)/2 is not positive");
      break;
    case Calibration::Kids:
      if (!has_c) subtract1 = mean_e1, subtract2 = mean_e2;
      s.one_plus_m = 1 + (has_m ? sums[4] / sums[0] : options.multiplicative_bias);
      divide = s.one_plus_m;
      break;
    case Calibration::Hsc: {
      const double responsivity = 1 - sums[5] / sums[0];
      s.response = 2 * responsivity;
      s.one_plus_m = 1 + sums[4] / sums[0];
      if (!(responsivity > 0)) throw io::Error(first, "HSC calibration", "responsivity 1 - <e_rms^2> <= 0");
      break;
    }
  }
  s.mean_e1 = subtract1, s.mean_e2 = subtract2;

  const double sign1 = preset.flat_sign1 * (options.flip_e1 ? -1 : 1);
  const double sign2 = preset.flat_sign2 * (options.flip_e2 ? -1 : 1);
  for (size_t i = 0; i < g.size(); ++i) {
    double e1 = g.g1[i], e2 = g.g2[i];
    if (calibration == Calibration::Hsc) {
      e1 = (e1 / s.response - extra.c1[i]) / s.one_plus_m;
      e2 = (e2 / s.response - extra.c2[i]) / s.one_plus_m;
    } else if (calibration == Calibration::Kids && has_c) {
      e1 = (e1 - extra.c1[i]) / divide;
      e2 = (e2 - extra.c2[i]) / divide;
    } else {
      e1 = (e1 - subtract1) / divide;
      e2 = (e2 - subtract2) / divide;
    }
    g.g1[i] = sign1 * e1;
    g.g2[i] = sign2 * e2;
  }
  return out;
}

double measured_shape_noise(const ShearCatalogue& galaxies, const distributed::Communicator& comm) {
  double sums[2] = {0, 0};
  for (size_t i = 0; i < galaxies.size(); ++i) {
    const double w = galaxies.weight[i];
    sums[0] += w * (galaxies.g1[i] * galaxies.g1[i] + galaxies.g2[i] * galaxies.g2[i]);
    sums[1] += w;
  }
  comm.allreduce_sum(sums, 2);
  return sums[1] > 0 ? std::sqrt(sums[0] / (2 * sums[1])) : 0.0;
}

}  // namespace lofimap::pipeline
