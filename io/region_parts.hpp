// The finished regions of a survey map, kept next to the output while the map is made (<output>.parts/): one
// file per region holding its output rows, written atomically when the region is done, and a marker file
// holding the record of what the regions were made from (options and the identity of every catalogue file). A
// rerun with --resume reads them instead of mapping those regions again; the folder is removed once the map
// is written. lofimap only ever removes its own files from it: a folder without the marker is not lofimap's.
#pragma once

#include <cstdint>
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
  // The marker file in the folder; its text is the record.
  static constexpr const char* kMarker = "lofimap-parts.txt";

  // folder: created if missing. `record`: "name = value" lines saying what shapes the map. With resume, parts
  // made with another record are refused (io::Error naming each line that differs); without, a folder holding
  // finished regions is refused too (the progress of an interrupted run: --resume, or remove the folder). A
  // plain file or link of that name, or a folder with files but without the marker, is refused: nothing in it
  // is touched.
  RegionParts(const std::string& folder, const std::string& record, bool resume);
  // The folder another rank prepared (shared file system): no checks, nothing removed.
  static RegionParts attach(const std::string& folder, const std::string& record);
  void save(const RegionPart& part) const;
  // The part of `region`, or nothing when it was not finished. A file that fails any check (header, size,
  // checksum, the record it was made with, pixels ascending inside [0, pixel_limit)) is named in a warning,
  // removed and treated as not finished: the region is mapped again.
  std::optional<RegionPart> load(long long region, std::size_t columns, long long pixel_limit) const;
  // Removes the region files and the marker, then the folder if nothing else is in it.
  void remove_all() const;
  const std::string& folder() const { return folder_; }

 private:
  RegionParts(std::string folder, std::uint64_t record_hash)
      : folder_(std::move(folder)), record_hash_(record_hash) {}
  std::string path_of(long long region) const;
  std::string folder_;
  std::uint64_t record_hash_ = 0;
};

}  // namespace lofimap::io
