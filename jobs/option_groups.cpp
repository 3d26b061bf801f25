#include "jobs/option_groups.hpp"

#include <stdexcept>

#include "jobs/command.hpp"
#include "pipeline/catalogue/survey_preset.hpp"

namespace lofimap::jobs {

CLI::Option* add_catalogue_options(CLI::App* cmd, pipeline::CatalogueOptions& c,
                                   std::vector<std::string>& columns) {
  auto* input = cmd->add_option("-i,--input", c.inputs, "catalogue FITS file(s) or glob pattern(s)");
  cmd->add_option("--hdu", c.hdu, "table HDU: number (0 = primary) or EXTNAME (default: first table)");
  std::string presets;
  for (const auto& name : pipeline::survey_preset_names()) presets += (presets.empty() ? "" : ", ") + name;
  cmd->add_option("--preset", c.preset, "survey preset (columns, calibration, sign convention): " + presets)
      ->capture_default_str();
  cmd->add_option("--column", columns,
                  "override a column: ROLE=NAME (ra, dec, e1, e2, weight, r11, r22, m, c1, c2, e_rms, z)");
  cmd->add_option_function<std::string>(
         "--calibration", [&c](const std::string& v) { c.calibration = pipeline::parse_calibration(v); },
         "override the preset's calibration: " + pipeline::listed(pipeline::calibration_names()))
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            try {
              pipeline::parse_calibration(v);
              return "";
            } catch (const std::invalid_argument&) {
              return "expected " + pipeline::listed(pipeline::calibration_names()) + ", got '" + v + "'";
            }
          },
          "", "calibration"));
  cmd->add_option("--m-bias", c.multiplicative_bias, "KiDS multiplicative bias m when there is no m column");
  cmd->add_flag("--flip-e1", c.flip_e1, "flip the sign of e1 after the preset's convention");
  cmd->add_flag("--flip-e2", c.flip_e2, "flip the sign of e2 after the preset's convention");
  cmd->add_option("--select", c.select,
                  "keep only the rows this CFITSIO row-filter expression holds for, e.g. "
                  "'Z_B > 0.5 && Z_B <= 0.9' (column names as in the file)");
  cmd->add_option("--max-invalid-fraction", c.max_invalid_fraction,
                  "fail when more than this fraction of rows is invalid")
      ->capture_default_str();
  return input;
}

void finish_catalogue_options(pipeline::CatalogueOptions& c, const std::vector<std::string>& columns) {
  for (const auto& item : columns) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw std::invalid_argument("--column: expected ROLE=NAME (e.g. e1=G1), got '" + item + "'");
    c.column_overrides[item.substr(0, eq)] = item.substr(eq + 1);
  }
}

CLI::Option* add_bins_option(CLI::App* cmd, std::vector<std::string>& arguments) {
  return cmd
      ->add_option("--bins", arguments,
                   "tomographic bins: COLUMN EDGE0 EDGE1 ...; one set of maps per bin (EDGEi < value <= "
                   "EDGEi+1; HDUs or columns *_BIN1, *_BIN2, ...) beside those of all bins together. COLUMN "
                   "`z` is the preset's redshift column")
      ->expected(3, 100);
}

namespace {
// The columns the catalogue options name: the preset's, with --column overrides applied.
pipeline::ColumnMap named_columns(const pipeline::CatalogueOptions& c) {
  pipeline::ColumnMap columns = pipeline::survey_preset(c.preset).columns;
  pipeline::override_columns(columns, c.column_overrides);
  return columns;
}
}  // namespace

pipeline::TomographicBins finish_tomographic_bins(const std::vector<std::string>& arguments,
                                                  const pipeline::CatalogueOptions& c) {
  return pipeline::parse_tomographic_bins(arguments, named_columns(c));
}

std::string redshift_column(const pipeline::CatalogueOptions& c) {
  return named_columns(c).z;
}

OptionList add_flat_options(CLI::App* cmd, pipeline::FlatKsSettings& flat, std::vector<double>& center,
                            const std::string& what, const std::string& pixel_default) {
  return {cmd->add_option("--center", center, what + " centre: RA DEC in degrees (default: the footprint's)")
              ->expected(2),
          whole_number(positive_only(cmd->add_option("--npix", flat.npix, what + " pixels per side")), 1,
                       1 << 20),
          positive_only(cmd->add_option("--size", flat.size_deg, what + " side in degrees (with --center)")),
          positive_only(
              cmd->add_option("--pixel", flat.pixel_arcmin, what + " pixel scale in arcmin" + pixel_default)),
          cmd->add_option("--pad", flat.pad, "FFT zero-padding factor (>= 1)")->capture_default_str()};
}

void finish_flat_options(pipeline::FlatKsSettings& flat, const std::vector<double>& center) {
  if (center.size() == 2) flat.center_ra = center[0], flat.center_dec = center[1];
}

namespace {

// --task I/N of the region maps (one share of a job array). A malformed value is a parse error (exit 2).
CLI::Option* add_task_option(CLI::App* cmd, pipeline::RegionOptions& r) {
  return cmd->add_option_function<std::string>(
      "--task",
      [&r](const std::string& v) {
        const auto slash = v.find('/');
        try {
          if (slash == std::string::npos) throw std::invalid_argument(v);
          size_t a = 0, b = 0;
          r.task = std::stoi(v.substr(0, slash), &a);
          r.tasks = std::stoi(v.substr(slash + 1), &b);
          if (a != slash || b != v.size() - slash - 1) throw std::invalid_argument(v);
        } catch (const std::exception&) {
          throw CLI::ValidationError("--task", "expected I/N (share I of N, from 0), got '" + v + "'");
        }
      },
      "with --regions: map share I of N (a job array: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT); the "
      "same "
      "command with --resume and without --task then writes the map");
}

}  // namespace

OptionList add_region_options(CLI::App* cmd, pipeline::RegionOptions& r) {
  OptionList given;
  given.push_back(
      positive_only(cmd->add_option("--regions", r.nside,
                                    "survey map in sky regions: HEALPix pixels of this nside (NESTED), "
                                    "each on its own tangent plane")));
  given.push_back(
      cmd->add_option("--margin", r.margin_deg,
                      "[deg] with --regions: galaxies beyond a region's edge used for its inversion")
          ->capture_default_str());
  given.push_back(cmd->add_option_function<std::string>(
                         "--large-scales", [&r](const std::string& v) { r.box_large_scales = v == "box"; },
                         "with --regions: scales above margin/4 from the spherical KS of the whole catalogue "
                         "(sphere: no seams between regions) or from each region's own flat KS (box)")
                      ->check(CLI::IsMember({"sphere", "box"}))
                      ->default_str("sphere"));
  given.push_back(
      cmd->add_option("--region-memory", r.memory_gib,
                      "[GiB] with --regions: galaxies of the regions a rank maps at once (the rest wait "
                      "in later waves of the exchange)")
          ->capture_default_str());
  given.push_back(
      cmd->add_flag("--reread-catalogue", r.reread_catalogue,
                    "with --regions: read the catalogue again for each wave of the exchange (and for "
                    "the region counts and large scales) instead of holding a rank's rows: 4 bytes a "
                    "row instead of 44; each wave costs one more read"));
  given.push_back(add_task_option(cmd, r));
  given.push_back(
      cmd->add_flag("--resume", r.resume,
                    "with --regions: reuse the regions an interrupted run finished (<output>.parts/)"));
  given.push_back(
      whole_number(positive_only(cmd->add_option(
                       "--stop-after", r.stop_after,
                       "with --regions: stop (exit 4) after mapping this many regions on each rank")),
                   1, 1LL << 40));
  return given;
}

OptionList add_noise_options(CLI::App* cmd, pipeline::NoiseOptions& noise) {
  return {
      positive_only(cmd->add_option("--noise-realisations", noise.realisations,
                                    "K maps of randomly rotated ellipticities give NOISE_STD and SNR (flat "
                                    "ks: instead of the exact analytic noise; with --regions)")),
      whole_number(
          cmd->add_option("--noise-seed", noise.seed, "seed of the noise rotations")->capture_default_str(),
          0, ~0ULL)};
}

void add_output_options(CLI::App* cmd, pipeline::OutputOptions& output, const std::string& what) {
  cmd->add_option("-o,--output", output.path, what)->required();
  cmd->add_flag("--overwrite", output.overwrite, "replace existing outputs");
  cmd->add_flag("!--no-png", output.png, "skip the PNG quick-looks");
}

void refuse_given(const OptionList& options, const std::string& why) {
  for (const auto* option : options)
    if (option->count() > 0) throw std::invalid_argument(option->get_name() + ": " + why);
}

}  // namespace lofimap::jobs
