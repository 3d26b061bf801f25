// Writing FITS binary tables of double columns in appended chunks (synthetic catalogues, coordinate lists).
// Write to a temporary path (io::AtomicOutput) and commit when done.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/fits_maps.hpp"

namespace lofimap::io {

class FitsTableWriter {
 public:
  FitsTableWriter(const std::string& path, const std::string& extname,
                  const std::vector<std::string>& columns, const std::vector<HeaderCard>& keys = {});
  ~FitsTableWriter();
  FitsTableWriter(const FitsTableWriter&) = delete;
  FitsTableWriter& operator=(const FitsTableWriter&) = delete;

  // Appends n rows; columns[i] points at n values of column i.
  void append(const std::vector<const double*>& columns, long n);
  void close();  // flushes and closes; errors (disk full) surface here

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
  std::string path_;
  long rows_ = 0;
  size_t ncols_ = 0;
};

}  // namespace lofimap::io
