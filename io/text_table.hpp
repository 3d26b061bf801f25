// Numeric text tables separated by blanks or commas (CSV), '#' starting a comment and an optional first line
// of column names: C_ell tables, n(z), coordinate lists.
#pragma once

#include <fstream>
#include <string>
#include <vector>

namespace lofimap::io {

// Returns the columns of the table; every data row must have at least min_columns numbers. Throws io::Error
// naming the file and line on malformed input or an empty table.
std::vector<std::vector<double>> read_text_columns(const std::string& path, std::size_t min_columns);

// Writes columns (equal length) with a header comment; to be wrapped in io::AtomicOutput by the caller.
void write_text_columns(const std::string& path, const std::string& header,
                        const std::vector<const std::vector<double>*>& columns);

// The same format written in appended chunks (tables too large to hold at once); to be wrapped in
// io::AtomicOutput by the caller.
class TextTableWriter {
 public:
  TextTableWriter(const std::string& path, const std::string& header);
  // Appends n rows; columns[i] points at n values of column i.
  void append(const std::vector<const double*>& columns, std::size_t n);
  void close();  // flushes; write errors (disk full) surface here

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace lofimap::io
