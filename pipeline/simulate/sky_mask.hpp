// Survey footprints for simulated catalogues: a HEALPix mask map, a flat mask image with a TAN WCS, or simple
// geometric cuts (RA/Dec ranges, a disc). A position is inside when every given cut contains it.
#pragma once

#include <memory>
#include <numbers>
#include <optional>
#include <string>
#include <vector>

namespace lofimap::pipeline {

// The smallest region the geometric cuts confine positions to: the disc's cap when it is smaller than the
// RA/Dec box, else the box (the whole sky without cuts). Mask files are not read.
struct SkyZone {
  bool cap = false;
  double ra0_deg = 0, dec0_deg = 0, cos_radius = -1;    // the cap about (ra0, dec0)
  double z_lo = -1, z_hi = 1;                           // the box: sin Dec
  double phi_lo = 0, phi_width = 2 * std::numbers::pi;  // and RA [rad] (the width may wrap through 0)
  double area_sr() const { return cap ? 2 * std::numbers::pi * (1 - cos_radius) : (z_hi - z_lo) * phi_width; }
};

struct SkyMaskSpec {
  std::string healpix_file, healpix_column = "MASK";  // HEALPix FITS: pixels with value > 0 are inside
  std::string image_file, image_extname = "MASK";     // flat FITS image with TAN WCS: value > 0 inside
  std::optional<std::pair<double, double>> ra_range, dec_range;  // degrees; RA range may wrap (min > max)
  std::optional<std::vector<double>> disc;                       // RA, Dec, radius [deg]
  bool empty() const {
    return healpix_file.empty() && image_file.empty() && !ra_range && !dec_range && !disc;
  }
  SkyZone zone() const;
  // An upper bound on the area inside [deg^2] from the geometric cuts (the zone's area, exact on the sphere);
  // mask files are not read, so they count as the whole sky.
  double geometric_area_bound_deg2() const;
};

class SkyMask {
 public:
  explicit SkyMask(const SkyMaskSpec& spec);  // reads mask files; throws io::Error / std::invalid_argument
  ~SkyMask();
  bool contains(double ra_deg, double dec_deg) const;
  // The geometric cuts as given (every position inside lies within them): where positions can be drawn.
  const SkyMaskSpec& spec() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lofimap::pipeline
