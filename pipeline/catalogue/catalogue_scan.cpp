#include "pipeline/catalogue/catalogue_scan.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "io/catalogue_files.hpp"
#include "io/error.hpp"

namespace lofimap::pipeline {

std::string CatalogueSummary::report() const {
  std::ostringstream out;
  out << "catalogue: " << files.size() << " file(s), preset " << preset << ", calibration "
      << calibration_name(calibration) << "\n";
  out << "  rows read " << rows_read;
  if (!select.empty()) out << ", selected " << rows_selected << " by '" << select << "'";
  out << ", valid " << rows_valid << ", rejected " << invalid.total();
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

namespace {
// Per part: invalid rows by reason and the calibration sums [w, w e1, w e2, w R, w m, w e_rms^2].
struct PartTally {
  InvalidCounts bad;
  long long unselected = 0;  // rows the row filter did not keep
  double sums[6] = {0, 0, 0, 0, 0, 0};
  std::vector<double> histogram;  // CatalogueOptions::histogram_column
  RawShearRows rows;              // the current chunk's valid rows
};
}  // namespace

struct CatalogueScan::State {
  CatalogueOptions options;
  std::optional<distributed::Communicator> comm;  // a copy: the caller's may be a temporary
  SurveyPreset preset;
  Calibration calibration = Calibration::None;
  std::unique_ptr<io::CatalogueFiles> files;
  std::vector<std::string> names;  // requested columns
  bool has_weight = false, has_m = false, has_c = false;
  size_t iw = 0, ir11 = 0, ir22 = 0, im = 0, ic1 = 0, ic2 = 0, irms = 0;
  size_t checked = 0;  // columns that must be finite in a valid row (all but the histogram's)
  bool has_histogram = false;
  size_t ihist = 0;
  distributed::RowRange range;
  std::vector<PartTally> parts;
};

CatalogueScan::CatalogueScan(const CatalogueOptions& options, const distributed::Communicator& comm)
    : state_(std::make_unique<State>()) {
  validate_catalogue_options(options);
  State& s = *state_;
  s.options = options;
  s.comm.emplace(comm);
  s.preset = survey_preset(options.preset);
  override_columns(s.preset.columns, options.column_overrides);
  s.calibration = options.calibration.value_or(s.preset.calibration);
  const ColumnMap& cols = s.preset.columns;

  s.files = std::make_unique<io::CatalogueFiles>(io::expand_catalogue_paths(options.inputs), options.hdu);
  const std::string& first = s.files->paths().front();
  auto optional_column = [&](const std::string& name) { return !name.empty() && s.files->has_column(name); };

  s.names = {cols.ra, cols.dec, cols.e1, cols.e2};
  // The preset's weight column is used when present (unit weights otherwise); one named with --column must
  // exist.
  s.has_weight = !cols.weight.empty() &&
                 (options.column_overrides.count("weight") > 0 || s.files->has_column(cols.weight));
  if (s.has_weight) s.names.push_back(cols.weight);
  s.iw = s.has_weight ? 4 : 0;
  size_t next = s.names.size();
  if (s.calibration == Calibration::DesMetacal) {
    s.ir11 = next++, s.ir22 = next++;
    s.names.push_back(cols.r11), s.names.push_back(cols.r22);
  }
  const bool kids_or_hsc = s.calibration == Calibration::Kids || s.calibration == Calibration::Hsc;
  s.has_m = kids_or_hsc && optional_column(cols.m);
  s.has_c = kids_or_hsc && optional_column(cols.c1) && optional_column(cols.c2);
  if (s.has_m) s.im = next++, s.names.push_back(cols.m);
  if (s.has_c) s.ic1 = next++, s.ic2 = next++, s.names.push_back(cols.c1), s.names.push_back(cols.c2);
  if (s.calibration == Calibration::Hsc) {
    s.irms = next++;
    s.names.push_back(cols.e_rms);
    if (!s.has_m || !s.has_c) {
      throw io::Error(first, "HSC calibration",
                      "needs the m, c1 and c2 columns ('" + cols.m + "', '" + cols.c1 + "', '" + cols.c2 +
                          "'); override them with --column");
    }
  }
  s.checked = s.names.size();
  if (!options.histogram_column.empty()) {
    if (!(options.histogram_max > 0) || options.histogram_bins < 1)
      throw std::invalid_argument("histogram of '" + options.histogram_column + "': empty range");
    s.has_histogram = true;
    s.ihist = s.names.size();
    s.names.push_back(options.histogram_column);
  }
  if (!options.select.empty()) s.files->set_row_filter(options.select);
  s.range = distributed::split_rows(s.files->total_rows(), comm.rank(), comm.size());
}

CatalogueScan::~CatalogueScan() = default;

long long CatalogueScan::rows() const {
  return state_->range.end - state_->range.begin;
}

int CatalogueScan::default_parts() const {
  constexpr long long kRowsPerPart = 200000;  // below this a second reading thread costs more than it saves
  return static_cast<int>(
      std::clamp<long long>(rows() / kRowsPerPart, 1, std::max(1, omp_get_max_threads())));
}

bool CatalogueScan::per_galaxy_c() const {
  return state_->has_c;
}

long long CatalogueScan::part_first_row(int parts, int part) const {
  const auto& r = state_->range;
  return io::CatalogueFiles::part_begin(r.begin, r.end, parts, part) - r.begin;
}

void CatalogueScan::run(int parts, const std::function<void(int, const RawShearRows&)>& consume) {
  State& s = *state_;
  parts = std::max(1, parts);
  s.parts.assign(static_cast<size_t>(parts), {});
  const bool bounded = s.preset.bounded_shapes, has_weight = s.has_weight, has_c = s.has_c, has_m = s.has_m;
  const Calibration calibration = s.calibration;
  s.files->read_parts(
      s.names, s.range.begin, s.range.end, parts, [&](int part, const io::CatalogueChunk& chunk) {
        PartTally& t = s.parts[static_cast<size_t>(part)];
        RawShearRows& out = t.rows;
        const auto& c = chunk.columns;
        const size_t rows = static_cast<size_t>(chunk.rows);
        // Written by index into vectors of the chunk's size (their capacity stays from chunk to chunk), then
        // cut to the valid rows: no push_back's capacity check per value.
        for (auto* v : {&out.ra, &out.dec, &out.e1, &out.e2, &out.w}) v->resize(rows);
        out.c1.resize(has_c ? rows : 0), out.c2.resize(has_c ? rows : 0);
        const double *ra_in = c[0].data(), *dec_in = c[1].data(), *e1_in = c[2].data(), *e2_in = c[3].data();
        const double* w_in = has_weight ? c[s.iw].data() : nullptr;
        // The running sums in locals, continued from the part's totals in the same order (the same values).
        double sum_w = t.sums[0], sum_e1 = t.sums[1], sum_e2 = t.sums[2], sum_r = t.sums[3],
               sum_m = t.sums[4], sum_rms = t.sums[5];
        const char* keep = chunk.selected.empty() ? nullptr : chunk.selected.data();
        size_t n = 0;
        for (size_t k = 0; k < rows; ++k) {
          if (keep && !keep[k]) {
            ++t.unselected;
            continue;
          }
          const double ra = ra_in[k], dec = dec_in[k], e1 = e1_in[k], e2 = e2_in[k], w = w_in ? w_in[k] : 1.0;
          bool finite = std::isfinite(ra) & std::isfinite(dec) & std::isfinite(e1) & std::isfinite(e2) &
                        std::isfinite(w);
          for (size_t j = 4; j < s.checked; ++j) finite &= std::isfinite(c[j][k]);
          // RA in [0, 360) or [-180, 180) by convention; a value like 1e300 is a broken row, not an angle to
          // wrap.
          const bool valid = finite & (w > 0) & (std::abs(dec) <= 90) & (ra >= -360) & (ra <= 720) &
                             (!bounded | (e1 * e1 + e2 * e2 < 1));
          if (!valid) {  // rare: the first reason, in the summary's order
            if (!finite) {
              ++t.bad.nonfinite;
            } else if (!(w > 0)) {
              ++t.bad.bad_weight;
            } else if (std::abs(dec) > 90) {
              ++t.bad.bad_dec;
            } else if (ra < -360 || ra > 720) {
              ++t.bad.bad_ra;
            } else {
              ++t.bad.bad_shape;
            }
            continue;
          }
          out.ra[n] = ra >= 0 && ra < 360 ? ra : ra - 360.0 * std::floor(ra / 360.0);
          out.dec[n] = dec, out.e1[n] = e1, out.e2[n] = e2, out.w[n] = w;
          sum_w += w, sum_e1 += w * e1, sum_e2 += w * e2;
          if (calibration == Calibration::DesMetacal) sum_r += w * 0.5 * (c[s.ir11][k] + c[s.ir22][k]);
          if (has_m) sum_m += w * c[s.im][k];
          if (has_c) out.c1[n] = c[s.ic1][k], out.c2[n] = c[s.ic2][k];
          if (calibration == Calibration::Hsc) sum_rms += w * c[s.irms][k] * c[s.irms][k];
          if (s.has_histogram) {
            const double v = c[s.ihist][k] / s.options.histogram_max * s.options.histogram_bins;
            if (v >= 0 && v < s.options.histogram_bins) {
              if (t.histogram.empty()) t.histogram.assign(static_cast<size_t>(s.options.histogram_bins), 0.0);
              t.histogram[static_cast<size_t>(v)] += w;
            }
          }
          ++n;
        }
        for (auto* v : {&out.ra, &out.dec, &out.e1, &out.e2, &out.w}) v->resize(n);
        if (has_c) out.c1.resize(n), out.c2.resize(n);
        t.sums[0] = sum_w, t.sums[1] = sum_e1, t.sums[2] = sum_e2, t.sums[3] = sum_r, t.sums[4] = sum_m;
        t.sums[5] = sum_rms;
        consume(part, out);
      });
}

CatalogueSummary CatalogueScan::finish(ShapeCalibration& cal) const {
  const State& st = *state_;
  const std::string& first = st.files->paths().front();
  // Parts summed in order, so the totals do not depend on how the parts ran.
  long long counts[7] = {rows(), 0, 0, 0, 0, 0, 0};
  double sums[6] = {0, 0, 0, 0, 0, 0};
  for (const auto& t : st.parts) {
    const long long bad[5] = {t.bad.nonfinite, t.bad.bad_weight, t.bad.bad_dec, t.bad.bad_shape,
                              t.bad.bad_ra};
    for (int k = 0; k < 5; ++k) counts[k + 1] += bad[k];
    counts[6] += t.unselected;
    for (int k = 0; k < 6; ++k) sums[k] += t.sums[k];
  }
  st.comm->allreduce_sum(counts, 7);
  st.comm->allreduce_sum(sums, 6);
  std::vector<double> histogram;
  if (st.has_histogram) {
    histogram.assign(static_cast<size_t>(st.options.histogram_bins), 0.0);
    for (const auto& t : st.parts)
      for (size_t b = 0; b < t.histogram.size(); ++b) histogram[b] += t.histogram[b];
    st.comm->allreduce_sum(histogram.data(), histogram.size());
  }
  CatalogueSummary s;
  s.files = st.files->paths();
  s.preset = st.preset.name;
  s.calibration = st.calibration;
  s.rows_read = counts[0];
  s.invalid = {counts[1], counts[2], counts[3], counts[4], counts[5]};
  s.select = st.options.select;
  s.histogram = std::move(histogram);
  s.rows_selected = s.rows_read - counts[6];
  s.rows_valid = s.rows_selected - s.invalid.total();
  s.sum_weight = sums[0];

  if (s.rows_selected == 0)
    throw io::Error(first, "selecting rows",
                    "the row selection '" + s.select + "' (--select, --bins) keeps none of the " +
                        std::to_string(s.rows_read) + " rows");

  if (s.rows_valid == 0) {
    throw io::Error(first, "reading catalogue",
                    "no valid galaxies (" + std::to_string(s.rows_read) + " rows read; " + s.report() + ")");
  }
  const double invalid_fraction =
      static_cast<double>(s.invalid.total()) / static_cast<double>(s.rows_selected);
  if (invalid_fraction > st.options.max_invalid_fraction) {
    std::ostringstream msg;
    msg << "rejected " << 100 * invalid_fraction << "% of rows, above --max-invalid-fraction "
        << st.options.max_invalid_fraction << "\n"
        << s.report();
    throw io::Error(first, "validating catalogue", msg.str());
  }

  // Calibration constants from global weighted means (identical on every rank).
  const double mean_e1 = sums[1] / sums[0], mean_e2 = sums[2] / sums[0];
  cal = ShapeCalibration{};
  cal.per_galaxy_c = st.has_c;
  switch (st.calibration) {
    case Calibration::None:
      break;
    case Calibration::MeanSubtract:
      cal.subtract1 = mean_e1, cal.subtract2 = mean_e2;
      break;
    case Calibration::DesMetacal:
      cal.subtract1 = mean_e1, cal.subtract2 = mean_e2;
      cal.divide = sums[3] / sums[0];
      s.response = cal.divide;
      if (!(cal.divide > 0))
        throw io::Error(first, "DES calibration", "mean response (R11+R22)/2 is not positive");
      break;
    case Calibration::Kids:
      if (!st.has_c) cal.subtract1 = mean_e1, cal.subtract2 = mean_e2;
      s.one_plus_m = 1 + (st.has_m ? sums[4] / sums[0] : st.options.multiplicative_bias);
      cal.divide = s.one_plus_m;
      break;
    case Calibration::Hsc: {
      const double responsivity = 1 - sums[5] / sums[0];
      s.response = 2 * responsivity;
      s.one_plus_m = 1 + sums[4] / sums[0];
      if (!(responsivity > 0)) throw io::Error(first, "HSC calibration", "responsivity 1 - <e_rms^2> <= 0");
      cal.response = s.response;
      cal.divide = s.one_plus_m;
      break;
    }
  }
  s.mean_e1 = cal.subtract1, s.mean_e2 = cal.subtract2;
  cal.sign1 = st.preset.flat_sign1 * (st.options.flip_e1 ? -1 : 1);
  cal.sign2 = st.preset.flat_sign2 * (st.options.flip_e2 ? -1 : 1);
  return s;
}

}  // namespace lofimap::pipeline
