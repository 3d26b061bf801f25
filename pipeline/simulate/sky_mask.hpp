// Survey footprints for simulated catalogues: a HEALPix mask map, a flat mask image with a TAN WCS, or simple
// geometric cuts (RA/Dec ranges, a disc). A position is inside when every given cut contains it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lofimap::pipeline {

struct SkyMaskSpec {
  std::string healpix_file, healpix_column = "MASK";  // HEALPix FITS: pixels with value > 0 are inside
  std::string image_file, image_extname = "MASK";     // flat FITS image with TAN WCS: value > 0 inside
  std::optional<std::pair<double, double>> ra_range, dec_range;  // degrees; RA range may wrap (min > max)
  std::optional<std::vector<double>> disc;                       // RA, Dec, radius [deg]
  bool empty() const {
    return healpix_file.empty() && image_file.empty() && !ra_range && !dec_range && !disc;
  }
  // An upper bound on the area inside [deg^2] from the geometric cuts (the RA/Dec box and the disc, exact on
  // the sphere); mask files are not read, so they count as the whole sky.
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
