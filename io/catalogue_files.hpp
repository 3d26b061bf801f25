// A shear catalogue spread over one or many FITS files (surveys ship catalogues in pieces), seen as one table
// with a global row index so that each MPI rank can read its own row range.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace lofimap::io {

// Expands each pattern: a path is kept as is; a pattern with *, ? or [ is globbed (sorted). A pattern that
// matches nothing is an io::Error naming it.
std::vector<std::string> expand_catalogue_paths(const std::vector<std::string>& patterns);

struct CatalogueChunk {
  long first_row = 0;  // global row index of the first row in this chunk
  long rows = 0;
  std::vector<std::vector<double>> columns;  // one vector per requested column, in request order
  std::vector<char> selected;                // with a row filter: 1 for the rows it keeps; else empty
  std::string file;
};

class CatalogueFiles {
 public:
  CatalogueFiles(std::vector<std::string> paths, std::string hdu);

  long total_rows() const { return total_rows_; }
  const std::vector<std::string>& paths() const { return paths_; }
  // Column names of the first file (all files must carry the requested columns).
  const std::vector<std::string>& column_names() const { return first_columns_; }
  // Whether every file carries the column (case-insensitive). An optional column (a weight, a bias) that only
  // some files carry is an io::Error naming a file without it: using it would depend on the order of the
  // files.
  bool has_column(const std::string& name) const;
  // Rows read from now on carry CatalogueChunk::selected, evaluated by CFITSIO (FitsTable::select_rows).
  // The expression is parsed against every file first: io::Error naming the file that cannot take it.
  void set_row_filter(const std::string& expression);
  const std::string& row_filter() const { return filter_; }

  // Streams rows [begin, end) of the named columns (case-insensitive) in chunks of CFITSIO's optimal row
  // count, opening one file at a time.
  void read(const std::vector<std::string>& columns, long begin, long end,
            const std::function<void(const CatalogueChunk&)>& sink) const;
  // The same on `parts` threads: [begin, end) cut into `parts` contiguous ranges (part_begin), each read by a
  // thread of its own with its own file handles (Debian's CFITSIO is reentrant); sink(part, chunk) is called
  // concurrently for different parts, in row order within a part. The first error of any part is rethrown
  // after all have stopped. One part is read() (with its prefetching thread).
  void read_parts(const std::vector<std::string>& columns, long begin, long end, int parts,
                  const std::function<void(int part, const CatalogueChunk&)>& sink) const;
  static long part_begin(long begin, long end, int parts, int part) {
    return begin + static_cast<long>(static_cast<double>(end - begin) * part / parts);
  }

 private:
  void read_range(const std::vector<std::string>& columns, long begin, long end, bool prefetch,
                  const std::function<void(const CatalogueChunk&)>& sink) const;

  std::vector<std::string> paths_;
  std::string hdu_;
  std::string filter_;                             // CFITSIO row-filter expression; empty: every row
  std::vector<std::string> first_columns_;         // column names of the first file
  std::vector<std::vector<std::string>> columns_;  // per file
  std::vector<long> rows_;                         // per file
  long total_rows_ = 0;
};

}  // namespace lofimap::io
