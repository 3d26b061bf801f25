#include "io/fits_maps.hpp"

#include <fitsio.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>

#include "io/atomic_output.hpp"
#include "io/detail/fits_header.hpp"
#include "io/detail/fits_status.hpp"
#include "io/error.hpp"

namespace lofimap::io {

static_assert(kMaxFitsPath == FLEN_FILENAME - 1, "CFITSIO's limit on file names");

namespace {

struct FileCloser {
  void operator()(fitsfile* f) const {
    int status = 0;
    fits_close_file(f, &status);
  }
};
using FitsPtr = std::unique_ptr<fitsfile, FileCloser>;

FitsPtr create(const std::string& path) {
  fitsfile* f = nullptr;
  int status = 0;
  std::filesystem::remove(path);
  fits_create_diskfile(&f, path.c_str(), &status);
  detail::check_fits(status, path, "creating FITS file");
  return FitsPtr(f);
}

FitsPtr open_read(const std::string& path) {
  if (!std::filesystem::exists(path)) throw Error(path, "opening", "no such file");
  fitsfile* f = nullptr;
  int status = 0;
  fits_open_diskfile(&f, path.c_str(), READONLY, &status);
  detail::check_fits(status, path, "opening as FITS");
  return FitsPtr(f);
}

}  // namespace

void write_flat_fits(const std::string& path, const TanGrid& grid, const std::vector<NamedImage>& images,
                     const std::vector<HeaderCard>& provenance) {
  if (grid.nx <= 0 || grid.ny <= 0) throw Error(path, "writing flat maps", "empty grid");
  auto f = create(path);
  int status = 0;
  fits_create_img(f.get(), FLOAT_IMG, 0, nullptr, &status);
  detail::check_fits(status, path, "writing primary HDU");
  detail::write_cards(f.get(), provenance, path);

  const long nx = grid.nx, ny = grid.ny;
  std::vector<float> flipped(static_cast<size_t>(nx * ny));
  for (const auto& image : images) {
    long naxes[2] = {nx, ny};
    fits_create_img(f.get(), FLOAT_IMG, 2, naxes, &status);
    detail::check_fits(status, path, "creating image HDU " + image.name);
    // FITS axis 1 runs West (East left), internal ix runs East: mirror each row.
    std::visit(
        [&](const auto* data) {
          for (long iy = 0; iy < ny; ++iy)
            for (long ix = 0; ix < nx; ++ix)
              flipped[iy * nx + (nx - 1 - ix)] = static_cast<float>(data[iy * nx + ix]);
        },
        image.data);
    const double pix_deg = grid.pixel_arcmin / 60.0;
    std::vector<HeaderCard> wcs = {
        {"EXTNAME", image.name, "quantity in this HDU"},
        {"BUNIT", image.unit, "physical unit ('' = dimensionless)"},
        {"WCSAXES", 2LL, ""},
        {"CTYPE1", std::string("RA---TAN"), "gnomonic projection"},
        {"CTYPE2", std::string("DEC--TAN"), "gnomonic projection"},
        {"CUNIT1", std::string("deg"), ""},
        {"CUNIT2", std::string("deg"), ""},
        {"CRVAL1", grid.ra0_deg, "[deg] RA of the tangent point (patch centre)"},
        {"CRVAL2", grid.dec0_deg, "[deg] Dec of the tangent point (patch centre)"},
        {"CRPIX1", 0.5 * static_cast<double>(nx + 1), "1-based pixel of the tangent point"},
        {"CRPIX2", 0.5 * static_cast<double>(ny + 1), "1-based pixel of the tangent point"},
        {"CD1_1", -pix_deg, "[deg/pix] East is left"},
        {"CD1_2", 0.0, ""},
        {"CD2_1", 0.0, ""},
        {"CD2_2", pix_deg, "[deg/pix] North is up"},
        {"RADESYS", std::string("ICRS"), ""},
        {"EQUINOX", 2000.0, ""},
    };
    detail::write_cards(f.get(), wcs, path);
    detail::write_cards(f.get(), image.cards, path);
    fits_write_img(f.get(), TFLOAT, 1, nx * ny, flipped.data(), &status);
    detail::check_fits(status, path, "writing image " + image.name);
  }
  FitsPtr closing = std::move(f);
  fitsfile* raw = closing.release();
  fits_close_file(raw, &status);
  detail::check_fits(status, path, "closing");
}

FlatImage read_flat_fits(const std::string& path, const std::string& extname) {
  auto f = open_read(path);
  int status = 0;
  fits_movnam_hdu(f.get(), IMAGE_HDU, const_cast<char*>(extname.c_str()), 0, &status);
  detail::check_fits(status, path, "finding image HDU " + extname);
  int naxis = 0;
  long naxes[2] = {0, 0};
  fits_get_img_dim(f.get(), &naxis, &status);
  if (naxis != 2) throw Error(path, "reading " + extname, "not a 2-D image");
  fits_get_img_size(f.get(), 2, naxes, &status);
  FlatImage out;
  out.grid.nx = naxes[0];
  out.grid.ny = naxes[1];
  double cd11 = 0, cd22 = 0;
  fits_read_key(f.get(), TDOUBLE, "CRVAL1", &out.grid.ra0_deg, nullptr, &status);
  fits_read_key(f.get(), TDOUBLE, "CRVAL2", &out.grid.dec0_deg, nullptr, &status);
  fits_read_key(f.get(), TDOUBLE, "CD1_1", &cd11, nullptr, &status);
  fits_read_key(f.get(), TDOUBLE, "CD2_2", &cd22, nullptr, &status);
  detail::check_fits(status, path, "reading the WCS of " + extname);
  if (!(cd11 < 0) || std::abs(std::abs(cd11) - cd22) > 1e-9 * cd22) {
    throw Error(path, "reading the WCS of " + extname,
                "expected square pixels with East left (CD1_1 = -CD2_2)");
  }
  out.grid.pixel_arcmin = cd22 * 60.0;
  const long n = naxes[0] * naxes[1];
  std::vector<float> raw(static_cast<size_t>(n));
  int anynul = 0;
  fits_read_img(f.get(), TFLOAT, 1, n, nullptr, raw.data(), &anynul, &status);
  detail::check_fits(status, path, "reading image " + extname);
  out.data.resize(static_cast<size_t>(n));
  const long nx = naxes[0];
  for (long iy = 0; iy < naxes[1]; ++iy)
    for (long ix = 0; ix < nx; ++ix) out.data[iy * nx + ix] = raw[iy * nx + (nx - 1 - ix)];
  return out;
}

std::optional<double> read_primary_number(const std::string& path, const std::string& key) {
  auto f = open_read(path);
  int status = 0;
  double value = 0;
  fits_read_key(f.get(), TDOUBLE, const_cast<char*>(key.c_str()), &value, nullptr, &status);
  if (status == KEY_NO_EXIST) return std::nullopt;
  detail::check_fits(status, path, "reading header key " + key);
  return value;
}

std::optional<std::string> read_primary_text(const std::string& path, const std::string& key) {
  auto f = open_read(path);
  int status = 0;
  char* value = nullptr;
  fits_read_key_longstr(f.get(), key.c_str(), &value, nullptr, &status);
  if (status == KEY_NO_EXIST) {
    fits_clear_errmsg();
    return std::nullopt;
  }
  std::string out = value ? value : "";
  if (value) fits_free_memory(value, &status);
  detail::check_fits(status, path, "reading header key " + key);
  return out;
}

std::optional<double> read_extension_number(const std::string& path, const std::string& extname,
                                            const std::string& key) {
  auto f = open_read(path);
  int status = 0;
  fits_movnam_hdu(f.get(), ANY_HDU, const_cast<char*>(extname.c_str()), 0, &status);
  detail::check_fits(status, path, "finding HDU " + extname);
  double value = 0;
  fits_read_key(f.get(), TDOUBLE, const_cast<char*>(key.c_str()), &value, nullptr, &status);
  if (status == KEY_NO_EXIST) {
    fits_clear_errmsg();
    return std::nullopt;
  }
  detail::check_fits(status, path, "reading header key " + key + " of " + extname);
  return value;
}

void write_healpix_fits(const std::string& path, long nside, const std::vector<HealpixColumn>& columns,
                        const std::vector<HeaderCard>& provenance, const std::string& coordsys,
                        const std::vector<long long>& pixels) {
  const bool partial = !pixels.empty();
  auto f = create(path);
  int status = 0;
  fits_create_img(f.get(), FLOAT_IMG, 0, nullptr, &status);
  detail::check_fits(status, path, "writing primary HDU");
  detail::write_cards(f.get(), provenance, path);

  std::vector<std::string> names, forms, units;
  if (partial) names.push_back("PIXEL"), forms.push_back("1K"), units.push_back("");
  for (const auto& c : columns) {
    names.push_back(c.name);
    forms.push_back("1E");
    units.push_back(c.unit);
  }
  std::vector<char*> ttype, tform, tunit;
  for (size_t i = 0; i < names.size(); ++i) {
    ttype.push_back(names[i].data());
    tform.push_back(forms[i].data());
    tunit.push_back(units[i].data());
  }
  fits_create_tbl(f.get(), BINARY_TBL, 0, static_cast<int>(names.size()), ttype.data(), tform.data(),
                  tunit.data(), "MAPS", &status);
  detail::check_fits(status, path, "creating the HEALPix table");
  const long long npix = 12LL * nside * nside;
  std::vector<HeaderCard> keys = {
      {"PIXTYPE", std::string("HEALPIX"), "HEALPIX pixelisation"},
      {"ORDERING", std::string("RING"), "pixel ordering scheme"},
      {"NSIDE", static_cast<long long>(nside), "resolution parameter"},
      {"FIRSTPIX", 0LL, "first pixel # (0 based)"},
      {"LASTPIX", npix - 1, "last pixel # (0 based)"},
      {"INDXSCHM", std::string(partial ? "EXPLICIT" : "IMPLICIT"), "indexing: IMPLICIT or EXPLICIT"},
      {"OBJECT", std::string(partial ? "PARTIAL" : "FULLSKY"), "sky coverage"},
      {"COORDSYS", coordsys, "C = celestial (equatorial, ICRS)"},
  };
  detail::write_cards(f.get(), keys, path);
  if (partial) {
    if (*std::max_element(pixels.begin(), pixels.end()) >= npix ||
        *std::min_element(pixels.begin(), pixels.end()) < 0)
      throw Error(path, "writing partial HEALPix map", "pixel index outside 0..12*nside^2-1");
    fits_write_col(f.get(), TLONGLONG, 1, 1, 1, static_cast<LONGLONG>(pixels.size()),
                   const_cast<long long*>(pixels.data()), &status);
    detail::check_fits(status, path, "writing column PIXEL");
  }
  const int first_col = partial ? 2 : 1;
  const LONGLONG nrows = partial ? static_cast<LONGLONG>(pixels.size()) : npix;
  for (size_t i = 0; i < columns.size(); ++i) {
    fits_write_col(f.get(), TFLOAT, static_cast<int>(i) + first_col, 1, 1, nrows,
                   const_cast<float*>(columns[i].data), &status);
    detail::check_fits(status, path, "writing column " + columns[i].name);
  }
  fitsfile* raw = f.release();
  fits_close_file(raw, &status);
  detail::check_fits(status, path, "closing");
}

std::vector<std::string> fits_extension_names(const std::string& path) {
  auto f = open_read(path);
  int status = 0, nhdu = 0, hdutype = 0;
  fits_get_num_hdus(f.get(), &nhdu, &status);
  detail::check_fits(status, path, "counting HDUs");
  std::vector<std::string> names;
  for (int h = 2; h <= nhdu; ++h) {
    fits_movabs_hdu(f.get(), h, &hdutype, &status);
    detail::check_fits(status, path, "moving to HDU " + std::to_string(h - 1));
    char name[FLEN_VALUE] = {0};
    fits_read_key(f.get(), TSTRING, "EXTNAME", name, nullptr, &status);
    if (status == KEY_NO_EXIST) status = 0, fits_clear_errmsg(), name[0] = '\0';
    detail::check_fits(status, path, "reading EXTNAME of HDU " + std::to_string(h - 1));
    names.emplace_back(name);
  }
  return names;
}

bool is_healpix_fits(const std::string& path) {
  auto f = open_read(path);
  int status = 0, hdutype = 0, nhdu = 0;
  fits_get_num_hdus(f.get(), &nhdu, &status);
  detail::check_fits(status, path, "counting HDUs");
  if (nhdu < 2) return false;
  fits_movabs_hdu(f.get(), 2, &hdutype, &status);
  detail::check_fits(status, path, "moving to HDU 1");
  if (hdutype != BINARY_TBL) return false;
  char pixtype[FLEN_VALUE] = {0};
  fits_read_key(f.get(), TSTRING, "PIXTYPE", pixtype, nullptr, &status);
  if (status == KEY_NO_EXIST) {
    fits_clear_errmsg();
    return false;
  }
  detail::check_fits(status, path, "reading PIXTYPE");
  return std::string(pixtype) == "HEALPIX";
}

HealpixMap read_healpix_fits(const std::string& path, const std::string& column, float fill,
                             bool accept_nested) {
  auto f = open_read(path);
  int status = 0, hdutype = 0;
  fits_movabs_hdu(f.get(), 2, &hdutype, &status);
  detail::check_fits(status, path, "moving to the HEALPix table");
  HealpixMap out;
  char ordering[FLEN_VALUE] = {0};
  fits_read_key(f.get(), TLONG, "NSIDE", &out.nside, nullptr, &status);
  fits_read_key(f.get(), TSTRING, "ORDERING", ordering, nullptr, &status);
  detail::check_fits(status, path, "reading NSIDE/ORDERING");
  // Checked before anything is sized by it: a hostile NSIDE of 2^30 would ask for 10^19 pixels.
  if (out.nside < 1 || out.nside > (1L << 16) || (out.nside & (out.nside - 1)) != 0)
    throw Error(path, "reading HEALPix map",
                "NSIDE = " + std::to_string(out.nside) + " is not a power of two between 1 and 65536");
  out.nested = std::string(ordering) == "NESTED";
  if (std::string(ordering) != "RING" && !(out.nested && accept_nested))
    throw Error(path, "reading HEALPix map",
                "ORDERING '" + std::string(ordering) + "': only RING" + (accept_nested ? " or NESTED" : "") +
                    " is read here");
  int col = 0;
  fits_get_colnum(f.get(), CASEINSEN, const_cast<char*>(column.c_str()), &col, &status);
  detail::check_fits(status, path, "finding column " + column);
  long nrows = 0;
  int repeat_type = 0;
  long repeat = 0, width = 0;
  fits_get_num_rows(f.get(), &nrows, &status);
  fits_get_coltype(f.get(), col, &repeat_type, &repeat, &width, &status);
  const long long npix = 12LL * out.nside * out.nside;
  char scheme[FLEN_VALUE] = "IMPLICIT";
  int s2 = 0;
  fits_read_key(f.get(), TSTRING, "INDXSCHM", scheme, nullptr, &s2);
  int anynul = 0;
  if (std::string(scheme) == "EXPLICIT") {
    int pixcol = 0;
    fits_get_colnum(f.get(), CASEINSEN, const_cast<char*>("PIXEL"), &pixcol, &status);
    detail::check_fits(status, path, "finding the PIXEL column of a partial map");
    std::vector<long long> pix(static_cast<size_t>(nrows));
    std::vector<float> values(static_cast<size_t>(nrows));
    fits_read_col(f.get(), TLONGLONG, pixcol, 1, 1, nrows, nullptr, pix.data(), &anynul, &status);
    fits_read_col(f.get(), TFLOAT, col, 1, 1, nrows, nullptr, values.data(), &anynul, &status);
    detail::check_fits(status, path, "reading column " + column);
    out.data.assign(static_cast<size_t>(npix), fill);
    for (size_t i = 0; i < pix.size(); ++i) {
      if (pix[i] < 0 || pix[i] >= npix) throw Error(path, "reading partial map", "PIXEL index out of range");
      out.data[static_cast<size_t>(pix[i])] = values[i];
    }
    return out;
  }
  if (static_cast<long long>(nrows) * repeat != npix) {
    throw Error(path, "reading HEALPix map", "column " + column + " does not hold 12*NSIDE^2 values");
  }
  out.data.resize(static_cast<size_t>(npix));
  fits_read_col(f.get(), TFLOAT, col, 1, 1, npix, nullptr, out.data.data(), &anynul, &status);
  detail::check_fits(status, path, "reading column " + column);
  return out;
}

}  // namespace lofimap::io
