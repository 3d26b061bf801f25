#include "io/fits_table.hpp"

#include <fitsio.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "io/detail/fits_status.hpp"
#include "io/error.hpp"

namespace lofimap::io {

struct FitsTable::Handle {
  fitsfile* fptr = nullptr;
};

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool is_number(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

FitsTable::FitsTable(const std::string& path, const std::string& hdu) : handle_(new Handle), path_(path) {
  if (!std::filesystem::exists(path)) throw Error(path, "opening catalogue", "no such file");
  int status = 0;
  // fits_open_diskfile: the name is taken literally (no extended-filename syntax, which would copy the table
  // into memory and misread names containing brackets).
  fits_open_diskfile(&handle_->fptr, path.c_str(), READONLY, &status);
  if (status) {
    handle_->fptr = nullptr;
    detail::check_fits(status, path, "opening as FITS (is it a FITS file?)");
  }
  try {
    int hdutype = 0;
    if (hdu.empty()) {
      int nhdu = 0;
      fits_get_num_hdus(handle_->fptr, &nhdu, &status);
      detail::check_fits(status, path, "counting HDUs");
      bool found = false;
      for (int i = 2; i <= nhdu && !found; ++i) {
        fits_movabs_hdu(handle_->fptr, i, &hdutype, &status);
        detail::check_fits(status, path, "moving to HDU " + std::to_string(i - 1));
        found = hdutype == BINARY_TBL || hdutype == ASCII_TBL;
      }
      if (!found) throw Error(path, "finding a table", "the file has no binary or ASCII table HDU");
    } else if (is_number(hdu)) {
      long long index = 0;
      const auto parsed = std::from_chars(hdu.data(), hdu.data() + hdu.size(), index);
      int nhdu = 0;
      fits_get_num_hdus(handle_->fptr, &nhdu, &status);
      if (parsed.ec != std::errc() || index >= nhdu) {  // too large for any number type, or past the last HDU
        throw Error(path, "selecting HDU " + hdu,
                    "the file has only " + std::to_string(nhdu) + " HDUs (0-based)");
      }
      fits_movabs_hdu(handle_->fptr, static_cast<int>(index) + 1, &hdutype, &status);
      detail::check_fits(status, path, "moving to HDU " + hdu);
    } else {
      fits_movnam_hdu(handle_->fptr, ANY_HDU, const_cast<char*>(hdu.c_str()), 0, &status);
      if (status == BAD_HDU_NUM) {
        fits_clear_errmsg();
        throw Error(path, "selecting HDU", "no HDU with EXTNAME '" + hdu + "'");
      }
      detail::check_fits(status, path, "moving to HDU '" + hdu + "'");
      fits_get_hdu_type(handle_->fptr, &hdutype, &status);
    }
    if (hdutype != BINARY_TBL && hdutype != ASCII_TBL) {
      throw Error(path, "selecting HDU '" + hdu + "'", "that HDU is an image, not a table");
    }
    fits_get_num_rows(handle_->fptr, &rows_, &status);
    detail::check_fits(status, path, "reading the table shape");
    // CFITSIO takes NAXIS2 on trust; a corrupt or hostile header claiming 10^12 rows would otherwise size
    // every later allocation. The rows must fit in the bytes the file holds (logfilesize is the size
    // CFITSIO sees, i.e. after decompressing a .gz file).
    {
      LONGLONG head_start = 0, data_start = 0, data_end = 0;
      fits_get_hduaddrll(handle_->fptr, &head_start, &data_start, &data_end, &status);
      detail::check_fits(status, path, "locating the table data");
      const double claimed = static_cast<double>(rows_) * static_cast<double>(handle_->fptr->Fptr->rowlength);
      const double held = static_cast<double>(handle_->fptr->Fptr->logfilesize - data_start);
      if (rows_ < 0 || claimed > held)
        throw Error(path, "reading the table shape",
                    "the header claims " + std::to_string(rows_) + " rows (" +
                        std::to_string(static_cast<long long>(claimed)) + " bytes) but the file holds " +
                        std::to_string(static_cast<long long>(held)) +
                        " bytes of table data (truncated, or a corrupt NAXIS2)");
    }
    int ncols = 0;
    fits_get_num_cols(handle_->fptr, &ncols, &status);
    detail::check_fits(status, path, "reading the table shape");
    for (int c = 1; c <= ncols; ++c) {
      char key[FLEN_KEYWORD], value[FLEN_VALUE] = {0};
      fits_make_keyn("TTYPE", c, key, &status);
      fits_read_key(handle_->fptr, TSTRING, key, value, nullptr, &status);
      if (status == KEY_NO_EXIST) {
        status = 0;
        fits_clear_errmsg();
        value[0] = '\0';
      }
      detail::check_fits(status, path, "reading column names");
      names_.emplace_back(value);
    }
    fits_get_rowsize(handle_->fptr, &chunk_rows_, &status);
    detail::check_fits(status, path, "querying the optimal row chunk");
    binary_ = hdutype == BINARY_TBL;
    // Bulk reads (see read()) of ~256 KiB per call: each chunk is then validated, projected and binned while
    // it is still in the cache (0.21 s instead of 0.27 s for a 10^7-row catalogue with 4 MiB; measured).
    const long row_bytes = std::max<long>(1, static_cast<long>(handle_->fptr->Fptr->rowlength));
    chunk_rows_ = std::max({chunk_rows_, 1024L, (256L << 10) / row_bytes});
  } catch (...) {
    int ignore = 0;
    fits_close_file(handle_->fptr, &ignore);
    throw;
  }
}

FitsTable::~FitsTable() {
  if (handle_ && handle_->fptr) {
    int status = 0;
    fits_close_file(handle_->fptr, &status);
  }
}

int FitsTable::find_column(const std::string& name) const {
  const std::string want = lower(name);
  for (size_t i = 0; i < names_.size(); ++i) {
    if (lower(names_[i]) == want) return static_cast<int>(i);
  }
  return -1;
}

int FitsTable::require_column(const std::string& name) const {
  const int index = find_column(name);
  if (index >= 0) {
    // One number per row: a vector column (TFORM 2E) would otherwise be read flattened, its second element
    // becoming the next row's value; a text column has no number at all.
    int status = 0, typecode = 0;
    long repeat = 0, width = 0;
    fits_get_coltype(handle_->fptr, index + 1, &typecode, &repeat, &width, &status);
    detail::check_fits(status, path_, "reading the type of column '" + name + "'");
    if (typecode == TSTRING || typecode == TLOGICAL || typecode == TBIT)
      throw Error(path_, "reading column '" + name + "'", "not a numeric column");
    if (binary_ && repeat != 1)
      throw Error(
          path_, "reading column '" + name + "'",
          "a vector column with " + std::to_string(repeat) + " values per row; one number per row needed");
    return index;
  }
  std::string have;
  for (const auto& n : names_) have += (have.empty() ? "" : ", ") + n;
  throw Error(path_, "looking up column '" + name + "'",
              "no such column (case-insensitive); the table has: " + have);
}

namespace {

// CFITSIO's marker for "no TNULLn keyword" (NULL_UNDEFINED in its private fitsio2.h).
constexpr LONGLONG kNullUndefined = 1234554321;

// Big-endian FITS values to native doubles.
template <typename Raw>
double decode(const unsigned char* p) {
  Raw v;
  if constexpr (sizeof(Raw) == 8) {
    std::uint64_t u;
    std::memcpy(&u, p, 8);
    u = __builtin_bswap64(u);
    std::memcpy(&v, &u, 8);
  } else if constexpr (sizeof(Raw) == 4) {
    std::uint32_t u;
    std::memcpy(&u, p, 4);
    u = __builtin_bswap32(u);
    std::memcpy(&v, &u, 4);
  } else {
    std::uint16_t u;
    std::memcpy(&u, p, 2);
    u = __builtin_bswap16(u);
    std::memcpy(&v, &u, 2);
  }
  return static_cast<double>(v);
}

template <typename Raw>
void decode_column(const unsigned char* src, std::size_t stride, std::vector<double>& dst) {
  for (std::size_t r = 0; r < dst.size(); ++r, src += stride) dst[r] = decode<Raw>(src);
}

}  // namespace

bool FitsTable::raw_readable(int column) const {
  if (!binary_) return false;
  const tcolumn& c = handle_->fptr->Fptr->tableptr[column];
  const bool plain = c.trepeat == 1 && c.tscale == 1.0 && c.tzero == 0.0;
  switch (c.tdatatype) {
    case TDOUBLE:
    case TFLOAT:
      return plain;
    case TSHORT:
    case TLONG:
    case TLONGLONG:
      return plain && c.tnull == kNullUndefined;  // no integer null sentinel to translate
    default:
      return false;
  }
}

void FitsTable::read(const std::vector<int>& columns, long first, long count,
                     std::vector<std::vector<double>>& out) const {
  out.resize(columns.size());
  // Fast path: one fits_read_tblbytes of whole rows, decoded here. Per-column fits_read_col on a row-ordered
  // table goes through CFITSIO's 2880-byte buffers; the bulk read is ~3x faster for 10^7-row catalogues.
  bool raw = count > 0;
  for (int c : columns) raw = raw && raw_readable(c);
  if (raw) {
    const tcolumn* table = handle_->fptr->Fptr->tableptr;
    const std::size_t width = static_cast<std::size_t>(handle_->fptr->Fptr->rowlength);
    bytes_.resize(width * static_cast<std::size_t>(count));
    int status = 0;
    fits_read_tblbytes(handle_->fptr, first + 1, 1, static_cast<LONGLONG>(bytes_.size()), bytes_.data(),
                       &status);
    detail::check_fits(status, path_,
                       "reading rows " + std::to_string(first + 1) + ".." + std::to_string(first + count));
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const tcolumn& c = table[columns[i]];
      auto& dst = out[i];
      dst.resize(static_cast<std::size_t>(count));
      const unsigned char* src = bytes_.data() + c.tbcol;
      switch (c.tdatatype) {
        case TDOUBLE:
          decode_column<double>(src, width, dst);
          break;
        case TFLOAT:
          decode_column<float>(src, width, dst);
          break;
        case TSHORT:
          decode_column<std::int16_t>(src, width, dst);
          break;
        case TLONG:
          decode_column<std::int32_t>(src, width, dst);
          break;
        default:
          decode_column<std::int64_t>(src, width, dst);
          break;
      }
    }
    return;
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    out[i].resize(static_cast<size_t>(count));
    if (count == 0) continue;
    int status = 0, anynul = 0;
    double nulval = std::numeric_limits<double>::quiet_NaN();
    fits_read_col(handle_->fptr, TDOUBLE, columns[i] + 1, first + 1, 1, count, &nulval, out[i].data(),
                  &anynul, &status);
    detail::check_fits(status, path_,
                       "reading column '" + names_[static_cast<size_t>(columns[i])] + "' rows " +
                           std::to_string(first + 1) + ".." + std::to_string(first + count));
  }
}

void FitsTable::check_row_filter(const std::string& expression) const {
  int status = 0, type = 0, naxis = 0;
  long elements = 0, axes[5] = {0, 0, 0, 0, 0};
  std::string copy = expression;  // CFITSIO's prototype takes a mutable string
  fits_test_expr(handle_->fptr, copy.data(), 5, &type, &elements, &naxis, axes, &status);
  detail::check_fits(status, path_, "parsing the row selection '" + expression + "'");
  if (type != TLOGICAL || elements != 1)
    throw Error(path_, "parsing the row selection '" + expression + "'",
                "is not a true/false test per row (write a comparison, e.g. 'Z_B > 0.5 && Z_B <= 0.9')");
}

void FitsTable::select_rows(const std::string& expression, long first, long count,
                            std::vector<char>& keep) const {
  keep.assign(static_cast<size_t>(count), 0);
  if (count == 0) return;
  int status = 0;
  long good = 0;
  std::string copy = expression;
  fits_find_rows(handle_->fptr, copy.data(), first + 1, count, &good, keep.data(), &status);
  detail::check_fits(status, path_,
                     "selecting rows " + std::to_string(first + 1) + ".." + std::to_string(first + count) +
                         " with '" + expression + "'");
}

}  // namespace lofimap::io
