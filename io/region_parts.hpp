// The finished regions of a survey map, kept next to the output while the map is made (<output>.parts/): one
// file per region holding its output rows, written atomically when the region is done, and a record of the
// options they were made with. A rerun with --resume reads them instead of mapping those regions again; the
// folder is removed once the map is written.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lofimap::io {

struct RegionPart {
  long long region = 0;
  std::vector<long long> pixels;
  std::vector<std::vector<float>> columns;
};

class RegionParts {
 public:
  // folder: created if missing. `record`: the options that shape the map; with resume, parts made with
  // another record are refused (io::Error naming the option text); without, a folder holding finished regions
  // is refused too (the progress of an interrupted run: --resume, or remove the folder).
  RegionParts(const std::string& folder, const std::string& record, bool resume);
  // The folder another rank prepared (shared file system): no checks, nothing removed.
  static RegionParts attach(const std::string& folder);
  void save(const RegionPart& part) const;
  // The part of `region`, or nothing when it was not finished (a damaged file is treated as not finished).
  std::optional<RegionPart> load(long long region, std::size_t columns) const;
  void remove_all() const;
  const std::string& folder() const { return folder_; }

 private:
  explicit RegionParts(std::string folder) : folder_(std::move(folder)) {}
  std::string path_of(long long region) const;
  std::string folder_;
};

}  // namespace lofimap::io
