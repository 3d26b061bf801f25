#include "pipeline/products/map_config.hpp"

#include "pipeline/products/region_map_product.hpp"

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "io/atomic_output.hpp"
#include "io/catalogue_files.hpp"
#include "io/error.hpp"
#include "pipeline/catalogue/catalogue_loader.hpp"
#include "pipeline/products/resource_paths.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"

namespace lofimap::pipeline {

void MapConfig::validate() const {
  if (precision == Precision::Tf32 && device != ComputeDevice::Cuda)
    throw std::invalid_argument(
        "--precision tf32: TensorFloat-32 exists on CUDA devices only (use --device cuda)");
  if (ks.catalogue.inputs.empty() && ks_map.empty())
    throw std::invalid_argument("--input/--ks-map: give catalogues or a KS map");
  if (!ks.catalogue.inputs.empty() && !ks_map.empty())
    throw std::invalid_argument("--input/--ks-map: give one of them (the KS map defines the input grid)");
  if (!ks_map.empty() && (ks.flat.npix > 0 || ks.flat.size_deg > 0 || ks.flat.center_ra.has_value()))
    throw std::invalid_argument("--ks-map: the grid comes from the KS map; drop --center/--npix/--size");
  if (ks.output.empty()) throw std::invalid_argument("--output: no output path given");
  if (ks_map.empty()) validate_catalogue_options(ks.catalogue);
  if (ks.regions > 0) {
    if (!ks_map.empty()) throw std::invalid_argument("--regions: maps catalogues, not a --ks-map");
    validate_region_settings(ks, /*need_pixel*/ false);  // the model's pixel when --pixel is not given
    if (ks.reread_catalogue && out_pixel_arcmin > 0 && coords_file.empty())
      throw std::invalid_argument(
          "--reread-catalogue: not with a flat mosaic (--out-pixel): the mosaic's patch is measured on the "
          "galaxies held in memory");
  } else {
    if (ks.reread_catalogue) throw std::invalid_argument("--reread-catalogue: only with --regions");
    FlatKsSettings flat = ks.flat;
    if (flat.pixel_arcmin == 0 && flat.npix == 0 && flat.size_deg == 0)
      flat.pixel_arcmin = 1;  // the model's, later
    validate_flat_settings(flat);
  }
  if (!(sigma_e >= 0 && sigma_e < 1))
    throw std::invalid_argument("--sigma-e: must lie in [0, 1) (0: measured)");
  if (!(out_pixel_arcmin >= 0 && std::isfinite(out_pixel_arcmin)))
    throw std::invalid_argument("--out-pixel: must be > 0 arcmin");
  if (out_npix < 0) throw std::invalid_argument("--out-npix: must be > 0");
  if (batch < 1) throw std::invalid_argument("--batch: must be >= 1");
  if (nside > 0) validate_nside(nside);
  if (nside > 0 && !coords_file.empty()) throw std::invalid_argument("--nside/--coords: choose one output");
  if (!coords_file.empty() && !std::filesystem::exists(coords_file))
    throw io::Error(coords_file, "reading coordinates (--coords)", "cannot open (no such file?)");
  const std::string path = model_path();
  if (!std::filesystem::exists(path)) throw io::Error(path, "reading a LoFi model", "file not found");
  io::check_writable(ks.output, ks.overwrite);
  std::vector<std::string> inputs = {path};
  if (!ks_map.empty()) inputs.push_back(ks_map);
  if (!coords_file.empty()) inputs.push_back(coords_file);
  if (!ks.catalogue.inputs.empty())
    for (const auto& p : io::expand_catalogue_paths(ks.catalogue.inputs)) inputs.push_back(p);
  io::check_not_an_input(ks.output, inputs);
}

std::string MapConfig::model_path() const {
  if (!model.empty()) return model;
  const std::string shipped = default_model_path();
  if (shipped.empty())
    throw std::invalid_argument(
        "--model: none given and no default model is installed (share/lofimap/models/default.pt)");
  return shipped;
}

}  // namespace lofimap::pipeline
