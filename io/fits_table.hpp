// Reading FITS binary tables column by name, in chunks of CFITSIO's optimal row count.
// Column names are matched case-insensitively; a missing column is an io::Error that lists the columns
// present.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace lofimap::io {

class FitsTable {
 public:
  // hdu: "" selects the first binary or ASCII table; a number selects that HDU (0-based, the primary is 0,
  // as astropy counts); anything else is an EXTNAME (case-insensitive).
  FitsTable(const std::string& path, const std::string& hdu);
  ~FitsTable();
  FitsTable(const FitsTable&) = delete;
  FitsTable& operator=(const FitsTable&) = delete;

  const std::string& path() const { return path_; }
  long rows() const { return rows_; }
  long chunk_rows() const { return chunk_rows_; }
  const std::vector<std::string>& column_names() const { return names_; }

  // 0-based column index, or -1 when absent.
  int find_column(const std::string& name) const;
  // As find_column, but throws io::Error naming the column and listing those that exist.
  int require_column(const std::string& name) const;

  // Reads rows [first, first + count) of each column into out[i] (resized to count), converting to double.
  // Null integer values and scaled columns go through CFITSIO's converters; plain numeric scalars are decoded
  // from one bulk read of whole rows.
  void read(const std::vector<int>& columns, long first, long count,
            std::vector<std::vector<double>>& out) const;

  // A CFITSIO row-filter expression (its calculator syntax: `Z_B > 0.5 && Z_B <= 0.9`, `FLAG == 0`) parsed
  // against this table; io::Error naming the expression when it does not parse (an unknown column) or is not
  // a true/false value per row.
  void check_row_filter(const std::string& expression) const;
  // keep[r] = 1 where rows [first, first + count) satisfy the expression (evaluated by CFITSIO's
  // fits_find_rows; a null value is not kept).
  void select_rows(const std::string& expression, long first, long count, std::vector<char>& keep) const;

 private:
  bool raw_readable(int column) const;
  mutable std::vector<unsigned char> bytes_;  // row buffer of the bulk path
  bool binary_ = false;
  struct Handle;
  std::unique_ptr<Handle> handle_;
  std::string path_;
  long rows_ = 0;
  long chunk_rows_ = 1;
  std::vector<std::string> names_;
};

}  // namespace lofimap::io
