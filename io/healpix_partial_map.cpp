#include "io/healpix_partial_map.hpp"

#include <fitsio.h>

#include <cstring>

#include "io/atomic_output.hpp"
#include "io/detail/fits_header.hpp"
#include "io/detail/fits_status.hpp"
#include "io/error.hpp"

namespace lofimap::io {

struct PartialHealpixWriter::State {
  AtomicOutput out;
  fitsfile* f = nullptr;
  std::size_t columns = 0;
  State(const std::string& path, bool overwrite) : out(path, overwrite) {}
};

PartialHealpixWriter::PartialHealpixWriter(const std::string& path, long nside, HealpixOrdering ordering,
                                           const std::vector<std::pair<std::string, std::string>>& columns,
                                           const std::vector<HeaderCard>& provenance, bool overwrite)
    : state_(std::make_unique<State>(path, overwrite)), npix_(12LL * nside * nside), path_(path) {
  int status = 0;
  const std::string temp = state_->out.temp_path();
  fits_create_diskfile(&state_->f, temp.c_str(), &status);
  detail::check_fits(status, path, "creating FITS file");
  fits_create_img(state_->f, FLOAT_IMG, 0, nullptr, &status);
  detail::check_fits(status, path, "writing primary HDU");
  detail::write_cards(state_->f, provenance, path);
  std::vector<std::string> names = {"PIXEL"}, forms = {"1K"}, units = {""};
  for (const auto& [name, unit] : columns)
    names.push_back(name), forms.push_back("1E"), units.push_back(unit);
  std::vector<char*> ttype, tform, tunit;
  for (size_t i = 0; i < names.size(); ++i)
    ttype.push_back(names[i].data()), tform.push_back(forms[i].data()), tunit.push_back(units[i].data());
  fits_create_tbl(state_->f, BINARY_TBL, 0, static_cast<int>(names.size()), ttype.data(), tform.data(),
                  tunit.data(), "MAPS", &status);
  detail::check_fits(status, path, "creating the HEALPix table");
  detail::write_cards(state_->f,
                      {{"PIXTYPE", std::string("HEALPIX"), "HEALPIX pixelisation"},
                       {"ORDERING", std::string(ordering == HealpixOrdering::Nested ? "NESTED" : "RING"),
                        "pixel ordering scheme"},
                       {"NSIDE", static_cast<long long>(nside), "resolution parameter"},
                       {"FIRSTPIX", 0LL, "first pixel # (0 based)"},
                       {"LASTPIX", npix_ - 1, "last pixel # (0 based)"},
                       {"INDXSCHM", std::string("EXPLICIT"), "indexing: IMPLICIT or EXPLICIT"},
                       {"OBJECT", std::string("PARTIAL"), "sky coverage"},
                       {"COORDSYS", std::string("C"), "C = celestial (equatorial, ICRS)"}},
                      path);
  state_->columns = columns.size();
}

PartialHealpixWriter::~PartialHealpixWriter() {
  if (state_ && state_->f) {
    int status = 0;
    fits_close_file(state_->f, &status);  // the AtomicOutput then removes the unfinished file
  }
}

void PartialHealpixWriter::append(const std::vector<long long>& pixels,
                                  const std::vector<std::vector<float>>& columns) {
  if (columns.size() != state_->columns)
    throw std::logic_error("PartialHealpixWriter: wrong number of columns");
  for (const auto& c : columns)
    if (c.size() != pixels.size()) throw std::logic_error("PartialHealpixWriter: column length differs");
  for (long long p : pixels) {
    if (p <= last_pixel_ || p >= npix_)
      throw Error(
          path_, "writing a partial HEALPix map",
          "pixel " + std::to_string(p) + " out of order or outside 0..12 nside^2 - 1 (internal error)");
    last_pixel_ = p;
  }
  if (pixels.empty()) return;
  int status = 0;
  const LONGLONG first = rows_ + 1, n = static_cast<LONGLONG>(pixels.size());
  fits_write_col(state_->f, TLONGLONG, 1, first, 1, n, const_cast<long long*>(pixels.data()), &status);
  for (std::size_t c = 0; c < columns.size(); ++c)
    fits_write_col(state_->f, TFLOAT, static_cast<int>(c) + 2, first, 1, n,
                   const_cast<float*>(columns[c].data()), &status);
  detail::check_fits(status, path_, "writing rows of the partial HEALPix map");
  rows_ += n;
}

void PartialHealpixWriter::commit() {
  int status = 0;
  fits_close_file(state_->f, &status);
  state_->f = nullptr;
  detail::check_fits(status, path_, "closing");
  state_->out.commit();
}

PartialHealpixMap read_partial_healpix(const std::string& path, const std::string& column) {
  fitsfile* f = nullptr;
  int status = 0, hdutype = 0;
  fits_open_diskfile(&f, path.c_str(), READONLY, &status);
  detail::check_fits(status, path, "opening as FITS");
  PartialHealpixMap out;
  try {
    fits_movabs_hdu(f, 2, &hdutype, &status);
    char ordering[FLEN_VALUE] = {0}, scheme[FLEN_VALUE] = {0};
    fits_read_key(f, TLONG, "NSIDE", &out.nside, nullptr, &status);
    fits_read_key(f, TSTRING, "ORDERING", ordering, nullptr, &status);
    fits_read_key(f, TSTRING, "INDXSCHM", scheme, nullptr, &status);
    detail::check_fits(status, path, "reading NSIDE/ORDERING/INDXSCHM");
    if (std::string(scheme) != "EXPLICIT")
      throw Error(path, "reading a partial HEALPix map", "not explicit indexing");
    out.ordering = std::string(ordering) == "NESTED" ? HealpixOrdering::Nested : HealpixOrdering::Ring;
    LONGLONG rows = 0;
    fits_get_num_rowsll(f, &rows, &status);
    int pixel_col = 0, value_col = 0;
    fits_get_colnum(f, CASEINSEN, const_cast<char*>("PIXEL"), &pixel_col, &status);
    fits_get_colnum(f, CASEINSEN, const_cast<char*>(column.c_str()), &value_col, &status);
    detail::check_fits(status, path, "finding columns PIXEL and " + column);
    out.pixels.resize(static_cast<size_t>(rows));
    out.values.resize(static_cast<size_t>(rows));
    fits_read_col(f, TLONGLONG, pixel_col, 1, 1, rows, nullptr, out.pixels.data(), nullptr, &status);
    fits_read_col(f, TFLOAT, value_col, 1, 1, rows, nullptr, out.values.data(), nullptr, &status);
    detail::check_fits(status, path, "reading columns");
  } catch (...) {
    int ignore = 0;
    fits_close_file(f, &ignore);
    throw;
  }
  fits_close_file(f, &status);
  return out;
}

}  // namespace lofimap::io
