// Writing and reading lofimap's map products as FITS:
//  - flat maps: one image HDU per quantity with a TAN WCS (East left: CD1_1 < 0; CRPIX 1-based);
//  - HEALPix maps: a binary table with one column per quantity and the keys healpy and HEALPix expect.
// Arrays are passed in the pipeline's internal layout: row-major [iy * nx + ix] with ix increasing to the
// East
// (+RA) and iy to the North (+Dec). The East-left flip of the FITS image happens here and only here.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "io/header_card.hpp"

namespace lofimap::io {

struct TanGrid {
  double ra0_deg = 0, dec0_deg = 0;  // tangent point = centre of the grid
  double pixel_arcmin = 1;
  long nx = 0, ny = 0;
};

// The pixels are written as 32-bit floats; double maps are converted while they are mirrored into FITS order
// (no float copy of each map beforehand).
struct NamedImage {
  std::string name;  // EXTNAME
  std::string unit;  // BUNIT ("" for dimensionless)
  std::variant<const float*, const double*> data;
  std::vector<HeaderCard> cards = {};  // this HDU's own cards beside its WCS (e.g. a tomographic bin's)
};

// Writes a primary HDU carrying the provenance cards, then one image extension per entry.
void write_flat_fits(const std::string& path, const TanGrid& grid, const std::vector<NamedImage>& images,
                     const std::vector<HeaderCard>& provenance);

struct FlatImage {
  TanGrid grid;
  std::vector<float> data;  // internal layout (see above)
};
// Reads one image extension written by write_flat_fits (or any image with a TAN WCS with diagonal CD).
FlatImage read_flat_fits(const std::string& path, const std::string& extname);
// A numeric key of the primary header (the provenance cards), or nothing when the key is absent.
std::optional<double> read_primary_number(const std::string& path, const std::string& key);
// A text key of the primary header, or nothing when the key is absent.
std::optional<std::string> read_primary_text(const std::string& path, const std::string& key);
// The same in the extension named `extname`, or nothing when the key is absent there.
std::optional<double> read_extension_number(const std::string& path, const std::string& extname,
                                            const std::string& key);

// healpy's marker of an unobserved pixel.
constexpr float kHealpixUnseen = -1.6375e30f;

// EXTNAME of every extension (HDU 1 on), "" where an extension has none.
std::vector<std::string> fits_extension_names(const std::string& path);

struct HealpixColumn {
  std::string name;
  std::string unit;
  const float* data = nullptr;  // 12 * nside^2 values, RING order
};

// Full-sky maps use implicit indexing (12 nside^2 rows). With `pixels` non-empty the map is partial: explicit
// indexing (a PIXEL column, INDXSCHM = EXPLICIT, OBJECT = PARTIAL) and each column holds one value per listed
// pixel, in the order of `pixels` (healpy: read_map(..., partial=True)).
void write_healpix_fits(const std::string& path, long nside, const std::vector<HealpixColumn>& columns,
                        const std::vector<HeaderCard>& provenance, const std::string& coordsys = "C",
                        const std::vector<long long>& pixels = {});

struct HealpixMap {
  long nside = 0;
  std::vector<float> data;  // RING order (NESTED when `nested`)
  bool nested = false;
};
// Whether the file's first extension is a HEALPix table (PIXTYPE = 'HEALPIX'), rather than flat images.
bool is_healpix_fits(const std::string& path);
// Reads a full or partial (explicit) map; pixels absent from a partial map are set to `fill`. A NESTED map
// (region maps) is an io::Error unless `accept_nested`, then returned in NESTED order (the caller converts).
HealpixMap read_healpix_fits(const std::string& path, const std::string& column, float fill = 0.0f,
                             bool accept_nested = false);

}  // namespace lofimap::io
