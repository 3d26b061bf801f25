#include "pipeline/products/map_config.hpp"

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "io/atomic_output.hpp"
#include "io/catalogue_files.hpp"
#include "io/error.hpp"
#include "pipeline/products/resource_paths.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"

namespace lofimap::pipeline {

namespace {

// The output choices of a map in regions: a partial HEALPix map at --nside, a coordinate list, or a mosaic.
void validate_region_output(const MapConfig& c) {
  if (!c.ks_map.empty()) throw std::invalid_argument("--regions: maps catalogues, not a --ks-map");
  if (c.nside == 0 && !c.region_list_output())
    throw std::invalid_argument(
        "--nside: the output nside of a --regions map is needed (or --coords, or --out-pixel for a flat "
        "mosaic)");
  if ((c.nside > 0 || !c.coords_file.empty()) && c.out_pixel_arcmin > 0)
    throw std::invalid_argument("--nside/--coords/--out-pixel: choose one output of the --regions map");
  if (c.out_npix > 0)
    throw std::invalid_argument(
        "--out-npix: not with --regions (a mosaic covers the footprint at --out-pixel)");
  if (c.flat.npix > 0 || c.flat.size_deg > 0 || c.flat.center_ra)
    throw std::invalid_argument("--npix/--size/--center: not with --regions (each region has its own grid)");
  if (c.regions.reread_catalogue && c.out_pixel_arcmin > 0 && c.coords_file.empty())
    throw std::invalid_argument(
        "--reread-catalogue: not with a flat mosaic (--out-pixel): the mosaic's patch is measured on the "
        "galaxies held in memory");
  // The pixel may still come from the model: it is checked with the regions once known.
  validate_region_options(c.regions, c.region_list_output() ? c.regions.nside : c.nside, c.flat.pixel_arcmin,
                          c.flat.pad);
}

}  // namespace

void MapConfig::validate() const {
  if (model.precision == Precision::Tf32 && model.device != ComputeDevice::Cuda)
    throw std::invalid_argument(
        "--precision tf32: TensorFloat-32 exists on CUDA devices only (use --device cuda)");
  if (catalogue.inputs.empty() && ks_map.empty())
    throw std::invalid_argument("--input/--ks-map: give catalogues or a KS map");
  if (!catalogue.inputs.empty() && !ks_map.empty())
    throw std::invalid_argument("--input/--ks-map: give one of them (the KS map defines the input grid)");
  if (!ks_map.empty() && (flat.npix > 0 || flat.size_deg > 0 || flat.center_ra.has_value()))
    throw std::invalid_argument("--ks-map: the grid comes from the KS map; drop --center/--npix/--size");
  if (output.path.empty()) throw std::invalid_argument("--output: no output path given");
  if (ks_map.empty()) validate_catalogue_options(catalogue);
  validate_noise_options(noise);
  if (regions.enabled()) {
    validate_region_output(*this);
  } else {
    if (regions.reread_catalogue) throw std::invalid_argument("--reread-catalogue: only with --regions");
    if (noise.realisations > 0)
      throw std::invalid_argument("--noise-realisations: only with --regions (not yet on a single patch)");
    FlatKsSettings grid = flat;
    if (grid.pixel_arcmin == 0 && grid.npix == 0 && grid.size_deg == 0) grid.pixel_arcmin = 1;  // the model's
    validate_flat_settings(grid);
  }
  if (nside > 0 && !coords_file.empty()) throw std::invalid_argument("--nside/--coords: choose one output");
  if (!(sigma_e >= 0 && sigma_e < 1))
    throw std::invalid_argument("--sigma-e: must lie in [0, 1) (0: measured)");
  if (!(out_pixel_arcmin >= 0 && std::isfinite(out_pixel_arcmin)))
    throw std::invalid_argument("--out-pixel: must be > 0 arcmin");
  if (out_npix < 0) throw std::invalid_argument("--out-npix: must be > 0");
  if (model.batch < 1) throw std::invalid_argument("--batch: must be >= 1");
  if (nside > 0) validate_nside(nside);
  if (!coords_file.empty() && !std::filesystem::exists(coords_file))
    throw io::Error(coords_file, "reading coordinates (--coords)", "cannot open (no such file?)");
  const std::string path = model_path();
  if (!std::filesystem::exists(path)) throw io::Error(path, "reading a LoFi model", "file not found");
  std::vector<std::string> inputs = {path};
  if (!ks_map.empty()) inputs.push_back(ks_map);
  if (!coords_file.empty()) inputs.push_back(coords_file);
  if (!catalogue.inputs.empty())
    for (const auto& p : io::expand_catalogue_paths(catalogue.inputs)) inputs.push_back(p);
  if (bins.enabled() && !ks_map.empty())
    throw std::invalid_argument("--bins: selects catalogue rows; give the catalogue, not a --ks-map");
  if (bins.enabled() && regions.enabled())
    throw std::invalid_argument(
        "--bins: not yet with --regions; map each bin with --select 'Z > LO && Z <= HI' (the same test)");
  if (b_mode && regions.enabled())
    throw std::invalid_argument("--b-mode: not yet with --regions (one patch only)");
  if (!regions.enabled()) require_fits_name(output, "a map of one patch");
  // A flat patch and a HEALPix region map get their picture beside them; lists, mosaics and patch HEALPix
  // none.
  const bool picture = output.png && (regions.enabled() ? !region_list_output() && regions.tasks <= 1
                                                        : coords_file.empty() && nside == 0);
  check_product_outputs(
      output,
      picture ? std::vector<std::string>{quicklook_path(output.path, "kappa")} : std::vector<std::string>{},
      inputs);
}

std::string MapConfig::model_path() const {
  if (!model.path.empty()) return model.path;
  const std::string shipped = default_model_path();
  if (shipped.empty())
    throw std::invalid_argument(
        "--model: none given and no default model is installed (share/lofimap/models/default.pt)");
  return shipped;
}

RegionSettings MapConfig::region_settings(double pixel_arcmin) const {
  // A coordinate list or a mosaic needs no output nside; the region nside stands in where one is checked.
  return {catalogue,
          regions,
          noise,
          output,
          pixel_arcmin,
          flat.pad,
          region_list_output() ? regions.nside : nside};
}

}  // namespace lofimap::pipeline
