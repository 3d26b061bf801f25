#include "io/catalogue_files.hpp"

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <filesystem>
#include <future>
#include <thread>

#include "io/error.hpp"
#include "io/fits_table.hpp"

namespace lofimap::io {

std::vector<std::string> expand_catalogue_paths(const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  for (const auto& pattern : patterns) {
    if (pattern.find_first_of("*?[") == std::string::npos) {
      out.push_back(pattern);
      continue;
    }
    glob_t g{};
    const int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
    if (rc != 0) {
      globfree(&g);
      // CFITSIO's extended file names (cat.fits[1][Z_B > 0.5]) are not read: names are taken literally.
      const bool filter_syntax =
          pattern.back() == ']' && std::filesystem::exists(pattern.substr(0, pattern.find('[')));
      throw Error(pattern, "expanding catalogue pattern",
                  filter_syntax
                      ? "matches no file (file names are taken literally: give the table with --hdu and "
                        "the row filter with --select 'EXPR')"
                      : "matches no file");
    }
    std::vector<std::string> matched(g.gl_pathv, g.gl_pathv + g.gl_pathc);
    globfree(&g);
    std::sort(matched.begin(), matched.end());
    out.insert(out.end(), matched.begin(), matched.end());
  }
  if (out.empty()) throw Error("(none)", "reading catalogue", "no input file given");
  // The same file twice (named twice, matched by two patterns, or through a link) would count its galaxies
  // twice in every map.
  for (std::size_t i = 0; i < out.size(); ++i)
    for (std::size_t j = i + 1; j < out.size(); ++j) {
      std::error_code ec;
      if (out[i] == out[j] || std::filesystem::equivalent(out[i], out[j], ec))
        throw Error(out[j], "reading catalogue",
                    "is the same file as another input (" + out[i] + "): its galaxies would count twice");
    }
  return out;
}

CatalogueFiles::CatalogueFiles(std::vector<std::string> paths, std::string hdu)
    : paths_(std::move(paths)), hdu_(std::move(hdu)) {
  for (const auto& p : paths_) {
    FitsTable table(p, hdu_);
    rows_.push_back(table.rows());
    total_rows_ += table.rows();
    if (first_columns_.empty()) first_columns_ = table.column_names();
    columns_.push_back(table.column_names());
  }
}

bool CatalogueFiles::has_column(const std::string& name) const {
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string want = lower(name);
  std::vector<size_t> with, without;
  for (size_t f = 0; f < columns_.size(); ++f) {
    const bool has = std::any_of(columns_[f].begin(), columns_[f].end(),
                                 [&](const std::string& c) { return lower(c) == want; });
    (has ? with : without).push_back(f);
  }
  if (!with.empty() && !without.empty())
    throw Error(
        paths_[without.front()], "looking up column '" + name + "'",
        "absent here but present in " + paths_[with.front()] + ": give every file the column, or none");
  return without.empty();
}

void CatalogueFiles::set_row_filter(const std::string& expression) {
  for (const auto& p : paths_) FitsTable(p, hdu_).check_row_filter(expression);
  filter_ = expression;
}

void CatalogueFiles::read(const std::vector<std::string>& columns, long begin, long end,
                          const std::function<void(const CatalogueChunk&)>& sink) const {
  read_range(columns, begin, end, true, sink);
}

void CatalogueFiles::read_parts(const std::vector<std::string>& columns, long begin, long end, int parts,
                                const std::function<void(int, const CatalogueChunk&)>& sink) const {
  if (parts <= 1) {
    read(columns, begin, end, [&](const CatalogueChunk& c) { sink(0, c); });
    return;
  }
  std::vector<std::exception_ptr> errors(static_cast<size_t>(parts));
  std::vector<std::thread> threads;
  for (int p = 0; p < parts; ++p)
    threads.emplace_back([&, p] {
      try {
        read_range(columns, part_begin(begin, end, parts, p), part_begin(begin, end, parts, p + 1), false,
                   [&](const CatalogueChunk& c) { sink(p, c); });
      } catch (...) {
        errors[static_cast<size_t>(p)] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

void CatalogueFiles::read_range(const std::vector<std::string>& columns, long begin, long end, bool prefetch,
                                const std::function<void(const CatalogueChunk&)>& sink) const {
  long file_start = 0;
  CatalogueChunk chunk;
  for (size_t f = 0; f < paths_.size(); ++f) {
    const long file_end = file_start + rows_[f];
    const long lo = std::max(begin, file_start), hi = std::min(end, file_end);
    if (lo < hi) {
      FitsTable table(paths_[f], hdu_);
      std::vector<int> indices;
      for (const auto& c : columns) indices.push_back(table.require_column(c));
      // Double buffering when prefetching: a helper thread reads (and decodes) the next chunk while the
      // caller processes this one; only that thread touches the fitsfile at any time. Without, the next chunk
      // is read after this one is processed, on the caller's thread. The helper thread is started once per
      // chunk, so its chunks are 16 of the table's (~4 MiB), enough work to hide the start.
      CatalogueChunk next;
      chunk.file = next.file = paths_[f];
      const long step = table.chunk_rows() * (prefetch ? 16 : 1);
      auto read_into = [&](CatalogueChunk& c, long row) {
        c.first_row = row;
        c.rows = std::min(step, hi - row);
        table.read(indices, row - file_start, c.rows, c.columns);
        if (filter_.empty())
          c.selected.clear();
        else
          table.select_rows(filter_, row - file_start, c.rows, c.selected);
      };
      read_into(chunk, lo);
      for (long row = lo; row < hi; row += step) {
        const long next_row = row + step;
        std::future<void> pending;
        if (next_row < hi)
          pending = std::async(prefetch ? std::launch::async : std::launch::deferred, read_into,
                               std::ref(next), next_row);
        try {
          sink(chunk);
        } catch (...) {
          if (prefetch && pending.valid()) pending.wait();  // a deferred read is simply dropped
          throw;
        }
        if (pending.valid()) {
          pending.get();
          std::swap(chunk, next);
        }
      }
    }
    file_start = file_end;
  }
}

}  // namespace lofimap::io
