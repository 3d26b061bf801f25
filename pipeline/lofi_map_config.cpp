#include "pipeline/lofi_map_config.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <stdexcept>

namespace lofimap::pipeline {

std::string MapConfig::to_json() const {
  const auto& c = ks.catalogue;
  nlohmann::json j;
  j["inputs"] = c.inputs;
  j["hdu"] = c.hdu;
  j["preset"] = c.preset;
  j["columns"] = c.column_overrides;
  j["calibration"] = c.calibration ? calibration_name(*c.calibration) : "";
  j["flip_e1"] = c.flip_e1;
  j["flip_e2"] = c.flip_e2;
  j["m_bias"] = c.multiplicative_bias;
  j["max_invalid"] = c.max_invalid_fraction;
  j["center"] = ks.flat.center_ra ? std::vector<double>{*ks.flat.center_ra, *ks.flat.center_dec} : std::vector<double>{};
  j["pixel"] = ks.flat.pixel_arcmin;
  j["npix"] = ks.flat.npix;
  j["size"] = ks.flat.size_deg;
  j["pad"] = ks.flat.pad;
  j["output"] = ks.output;
  j["overwrite"] = ks.overwrite;
  j["png"] = ks.png;
  j["command_line"] = ks.command_line;
  j["ks_map"] = ks_map;
  j["model"] = model;
  j["sigma_e"] = sigma_e;
  j["out_pixel"] = out_pixel_arcmin;
  j["out_npix"] = out_npix;
  j["coords"] = coords_file;
  j["nside"] = nside;
  j["batch"] = batch;
  return j.dump();
}

MapConfig MapConfig::from_json(const std::string& text) {
  const auto j = nlohmann::json::parse(text);
  MapConfig m;
  auto& c = m.ks.catalogue;
  c.inputs = j.at("inputs").get<std::vector<std::string>>();
  c.hdu = j.at("hdu");
  c.preset = j.at("preset");
  c.column_overrides = j.at("columns").get<std::map<std::string, std::string>>();
  const std::string cal = j.at("calibration");
  if (!cal.empty()) c.calibration = parse_calibration(cal);
  c.flip_e1 = j.at("flip_e1");
  c.flip_e2 = j.at("flip_e2");
  c.multiplicative_bias = j.at("m_bias");
  c.max_invalid_fraction = j.at("max_invalid");
  const auto centre = j.at("center").get<std::vector<double>>();
  if (centre.size() == 2) m.ks.flat.center_ra = centre[0], m.ks.flat.center_dec = centre[1];
  m.ks.flat.pixel_arcmin = j.at("pixel");
  m.ks.flat.npix = j.at("npix");
  m.ks.flat.size_deg = j.at("size");
  m.ks.flat.pad = j.at("pad");
  m.ks.output = j.at("output");
  m.ks.overwrite = j.at("overwrite");
  m.ks.png = j.at("png");
  m.ks.command_line = j.at("command_line");
  m.ks_map = j.at("ks_map");
  m.model = j.at("model");
  m.sigma_e = j.at("sigma_e");
  m.out_pixel_arcmin = j.at("out_pixel");
  m.out_npix = j.at("out_npix");
  m.coords_file = j.at("coords");
  m.nside = j.at("nside");
  m.batch = j.at("batch");
  return m;
}

void MapConfig::validate() const {
  if (ks.catalogue.inputs.empty() && ks_map.empty())
    throw std::invalid_argument("--input/--ks-map: give catalogues or a KS map");
  if (!ks.catalogue.inputs.empty() && !ks_map.empty())
    throw std::invalid_argument("--input/--ks-map: give one of them (the KS map defines the input grid)");
  if (!ks_map.empty() && (ks.flat.npix > 0 || ks.flat.size_deg > 0 || ks.flat.center_ra.has_value()))
    throw std::invalid_argument("--ks-map: the grid comes from the KS map; drop --center/--npix/--size");
  if (ks.output.empty()) throw std::invalid_argument("--output: no output path given");
  validate_flat_settings(ks.flat);
  if (sigma_e < 0 || sigma_e >= 1) throw std::invalid_argument("--sigma-e: must lie in [0, 1) (0: measured)");
  if (out_pixel_arcmin < 0) throw std::invalid_argument("--out-pixel: must be > 0 arcmin");
  if (out_npix < 0) throw std::invalid_argument("--out-npix: must be > 0");
  if (batch < 1) throw std::invalid_argument("--batch: must be >= 1");
  if (nside > 0) validate_nside(nside);
  if (nside > 0 && !coords_file.empty()) throw std::invalid_argument("--nside/--coords: choose one output");
}

std::string default_model_path() {
  const auto path = std::filesystem::path(LOFIMAP_SOURCE_ROOT) / "models" / "weights" / "default.pt";
  return std::filesystem::exists(path) ? path.string() : "";
}

}  // namespace lofimap::pipeline
