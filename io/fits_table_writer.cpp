#include "io/fits_table_writer.hpp"

#include <fitsio.h>

#include <filesystem>

#include "io/detail/fits_header.hpp"
#include "io/detail/fits_status.hpp"
#include "io/error.hpp"

namespace lofimap::io {

struct FitsTableWriter::Handle {
  fitsfile* fptr = nullptr;
};

FitsTableWriter::FitsTableWriter(const std::string& path, const std::string& extname,
                                 const std::vector<std::string>& columns, const std::vector<HeaderCard>& keys)
    : handle_(new Handle), path_(path), ncols_(columns.size()) {
  int status = 0;
  std::filesystem::remove(path);
  fits_create_diskfile(&handle_->fptr, path.c_str(), &status);
  detail::check_fits(status, path, "creating FITS table");
  fits_create_img(handle_->fptr, FLOAT_IMG, 0, nullptr, &status);
  std::vector<std::string> names = columns, forms(columns.size(), "1D");
  std::vector<char*> ttype, tform;
  for (size_t i = 0; i < columns.size(); ++i)
    ttype.push_back(names[i].data()), tform.push_back(forms[i].data());
  fits_create_tbl(handle_->fptr, BINARY_TBL, 0, static_cast<int>(columns.size()), ttype.data(), tform.data(),
                  nullptr, extname.c_str(), &status);
  detail::check_fits(status, path, "creating table " + extname);
  detail::write_cards(handle_->fptr, keys, path);
}

FitsTableWriter::~FitsTableWriter() {
  if (handle_->fptr) {
    int status = 0;
    fits_close_file(handle_->fptr, &status);
  }
}

void FitsTableWriter::append(const std::vector<const double*>& columns, long n) {
  if (columns.size() != ncols_) throw Error(path_, "appending rows", "wrong number of columns");
  int status = 0;
  for (size_t c = 0; c < ncols_; ++c) {
    fits_write_col(handle_->fptr, TDOUBLE, static_cast<int>(c + 1), rows_ + 1, 1, n,
                   const_cast<double*>(columns[c]), &status);
    detail::check_fits(status, path_, "writing rows");
  }
  rows_ += n;
}

void FitsTableWriter::close() {
  int status = 0;
  fits_close_file(handle_->fptr, &status);
  handle_->fptr = nullptr;
  detail::check_fits(status, path_, "closing");
}

}  // namespace lofimap::io
