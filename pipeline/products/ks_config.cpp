#include "pipeline/products/ks_config.hpp"

#include <cmath>
#include <stdexcept>

#include "io/atomic_output.hpp"
#include "io/catalogue_files.hpp"
#include "pipeline/core/angular_spectrum.hpp"
#include "pipeline/products/wiener_prior.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/survey/sky_regions.hpp"

namespace lofimap::pipeline {

std::vector<std::string> quicklook_paths(const std::string& output, bool wiener) {
  std::vector<std::string> out;
  for (const char* what : {"kappa_e", "kappa_b", "ngal"}) out.push_back(quicklook_path(output, what));
  if (wiener) out.push_back(quicklook_path(output, "kappa_wiener"));
  return out;
}

void KsConfig::validate() const {
  validate_catalogue_options(catalogue);
  if (output.path.empty()) throw std::invalid_argument("--output: no output path given");
  auto inputs = io::expand_catalogue_paths(catalogue.inputs);
  const bool limber = wiener_cl == kLimberPrior;
  if (!wiener_cl.empty() && !limber) inputs.push_back(wiener_cl);
  if (limber && redshift_column.empty())
    throw std::invalid_argument(
        "--wiener limber: needs a redshift column (--bins COLUMN ..., or the preset's z column, or --column "
        "z=NAME)");
  // A flat or HEALPix map writes E, B, counts (and the Wiener map) beside the FITS; a region map its E map.
  std::vector<std::string> pictures;
  if (output.png && !regions.enabled()) pictures = quicklook_paths(output.path, !wiener_cl.empty());
  if (output.png && regions.enabled() && regions.tasks <= 1)
    pictures = {quicklook_path(output.path, "kappa_e")};
  check_product_outputs(output, pictures, inputs);
  if (aperture_mass_arcmin < 0 || !std::isfinite(aperture_mass_arcmin))
    throw std::invalid_argument("--aperture-mass: the filter radius must be > 0 arcmin");
  if (aperture_mass_arcmin > 0 && (sphere || regions.enabled()))
    throw std::invalid_argument("--aperture-mass: on a flat patch only (not yet with --sphere or --regions)");
  if (smoothing_arcmin < 0 || !std::isfinite(smoothing_arcmin))
    throw std::invalid_argument("--smooth: Gaussian sigma must be >= 0 arcmin");
  validate_noise_options(noise);
  if (regions.enabled()) {
    if (sphere) throw std::invalid_argument("--regions: flat regions replace --sphere; give one of them");
    if (flat.npix > 0 || flat.size_deg > 0 || flat.center_ra)
      throw std::invalid_argument(
          "--npix/--size/--center: not with --regions (each region has its own grid)");
    if (!wiener_cl.empty()) throw std::invalid_argument("--wiener: not yet with --regions");
    if (intervals || samples > 0)
      throw std::invalid_argument(
          "--intervals/--samples: Wiener posteriors on a flat patch (not with --regions)");
    if (bins.enabled())
      throw std::invalid_argument(
          "--bins: not yet with --regions; map each bin with --select 'Z > LO && Z <= HI' (the same test)");
    if (!(flat.pixel_arcmin > 0)) throw std::invalid_argument("--pixel: the regions' input pixel is needed");
    validate_region_options(regions, nside, flat.pixel_arcmin, flat.pad);
    const SkyRegions sky(regions.nside, regions.margin_deg, flat.pixel_arcmin);
    check_smoothing(smoothing_arcmin, static_cast<double>(sky.grid_side()) * flat.pixel_arcmin,
                    "a region's grid (region plus margin)");
    return;
  }
  if (noise.realisations > 0 && sphere)
    throw std::invalid_argument(
        "--noise-realisations: on a flat patch or with --regions (not with --sphere)");
  if ((intervals || samples > 0) && (sphere || wiener_cl.empty()))
    throw std::invalid_argument(std::string(intervals ? "--intervals" : "--samples") +
                                ": posterior intervals and samples of the Wiener filter on a flat patch "
                                "(give --wiener, no --sphere)");
  if (samples < 0 || samples > 1000) throw std::invalid_argument("--samples: between 1 and 1,000");
  if (intervals && samples == 1)
    throw std::invalid_argument("--samples: --intervals needs at least 2 samples (default 32)");
  require_fits_name(output, sphere ? "a full-sky HEALPix map" : "a flat map");
  if (regions.reread_catalogue)
    throw std::invalid_argument("--reread-catalogue: only with --regions (a single patch holds no galaxies)");
  if (sphere) {
    validate_nside(nside);
    check_smoothing(smoothing_arcmin, 180 * 60, "the sky");
  } else {
    validate_flat_settings(flat);
  }
  if (!wiener_cl.empty() && !limber) read_cl_table(wiener_cl);  // a missing or malformed table fails first
}

RegionSettings KsConfig::region_settings() const {
  return {catalogue, regions, noise, output, flat.pixel_arcmin, flat.pad, nside};
}

}  // namespace lofimap::pipeline
