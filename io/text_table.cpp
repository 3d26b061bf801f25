#include "io/text_table.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "io/error.hpp"

namespace lofimap::io {

std::vector<std::vector<double>> read_text_columns(const std::string& path, std::size_t min_columns) {
  std::ifstream in(path);
  if (!in) throw Error(path, "reading table", "cannot open (no such file?)");
  std::vector<std::vector<double>> cols;
  std::string line;
  long lineno = 0;
  bool seen_header = false;
  while (std::getline(in, line)) {
    ++lineno;
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::replace(line.begin(), line.end(), ',', ' ');  // CSV: commas separate like blanks
    std::istringstream fields(line);
    std::vector<double> row;
    std::string token;
    bool header = false;
    while (fields >> token) {
      try {
        size_t used = 0;
        row.push_back(std::stod(token, &used));
        if (used != token.size()) throw std::invalid_argument(token);
      } catch (const std::exception&) {
        // A first line of names (a CSV header such as "ra,dec") is skipped; a word anywhere else is an error.
        if (cols.empty() && row.empty() && !seen_header) {
          header = true;
          break;
        }
        throw Error(path, "reading table",
                    "line " + std::to_string(lineno) + ": '" + token + "' is not a number");
      }
    }
    if (header) {
      seen_header = true;
      continue;
    }
    if (row.empty()) continue;
    if (row.size() < min_columns)
      throw Error(path, "reading table",
                  "line " + std::to_string(lineno) + " has " + std::to_string(row.size()) +
                      " columns, expected at least " + std::to_string(min_columns));
    if (cols.empty()) cols.resize(row.size());
    for (std::size_t c = 0; c < cols.size() && c < row.size(); ++c) cols[c].push_back(row[c]);
  }
  if (cols.empty()) throw Error(path, "reading table", "no data rows");
  return cols;
}

void write_text_columns(const std::string& path, const std::string& header,
                        const std::vector<const std::vector<double>*>& columns) {
  TextTableWriter out(path, header);
  std::vector<const double*> data;
  for (const auto* c : columns) data.push_back(c->data());
  out.append(data, columns.empty() ? 0 : columns[0]->size());
  out.close();
}

TextTableWriter::TextTableWriter(const std::string& path, const std::string& header)
    : path_(path), out_(path) {
  if (!out_) throw Error(path, "writing table", "cannot open for writing");
  std::istringstream h(header);
  std::string line;
  while (std::getline(h, line)) out_ << "# " << line << "\n";
}

void TextTableWriter::append(const std::vector<const double*>& columns, std::size_t n) {
  char buf[32];
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t c = 0; c < columns.size(); ++c) {
      std::snprintf(buf, sizeof buf, "%.9e", columns[c][i]);
      out_ << (c ? " " : "") << buf;
    }
    out_ << "\n";
  }
  if (!out_) throw Error(path_, "writing table", "write failed (disk full?)");
}

void TextTableWriter::close() {
  out_.close();
  if (!out_) throw Error(path_, "writing table", "write failed (disk full?)");
}

}  // namespace lofimap::io
