#include "io/region_parts.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "io/atomic_output.hpp"
#include "io/error.hpp"

namespace lofimap::io {

namespace fs = std::filesystem;

namespace {
constexpr char kMagic[8] = {'L', 'M', 'R', 'P', 'A', 'R', 'T', '1'};
constexpr const char* kRecord = "options.txt";
}  // namespace

RegionParts::RegionParts(const std::string& folder, const std::string& record, bool resume)
    : folder_(folder) {
  std::error_code ec;
  const fs::path record_path = fs::path(folder) / kRecord;
  if (resume && fs::exists(record_path, ec)) {
    std::ifstream in(record_path);
    const std::string before((std::istreambuf_iterator<char>(in)), {});
    if (before != record)
      throw Error(folder, "resuming a survey map",
                  "its finished regions were made with other options (" + before + "; now " + record +
                      "); remove the folder to start again");
  } else {
    // Without --resume, finished regions of an interrupted run are not thrown away silently.
    long long finished = 0;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
      finished += it->path().filename().string().rfind("region_", 0) == 0 ? 1 : 0;
    if (finished > 0)
      throw Error(folder, "starting a survey map",
                  "holds " + std::to_string(finished) +
                      " finished regions of an interrupted run: pass --resume to continue it, or remove the "
                      "folder to start again");
    fs::remove_all(folder, ec);
  }
  fs::create_directories(folder, ec);
  if (ec) throw Error(folder, "creating the folder of finished regions", ec.message());
  if (!fs::exists(record_path, ec)) {
    AtomicOutput out(record_path.string(), true);
    std::ofstream(out.temp_path()) << record;
    out.commit();
  }
}

RegionParts RegionParts::attach(const std::string& folder) {
  return RegionParts(folder);
}

std::string RegionParts::path_of(long long region) const {
  return (fs::path(folder_) / ("region_" + std::to_string(region) + ".bin")).string();
}

void RegionParts::save(const RegionPart& part) const {
  AtomicOutput out(path_of(part.region), true);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    const long long header[3] = {part.region, static_cast<long long>(part.columns.size()),
                                 static_cast<long long>(part.pixels.size())};
    f.write(kMagic, sizeof kMagic);
    f.write(reinterpret_cast<const char*>(header), sizeof header);
    f.write(reinterpret_cast<const char*>(part.pixels.data()),
            static_cast<std::streamsize>(part.pixels.size() * sizeof(long long)));
    for (const auto& c : part.columns)
      f.write(reinterpret_cast<const char*>(c.data()),
              static_cast<std::streamsize>(c.size() * sizeof(float)));
    if (!f) throw Error(path_of(part.region), "writing a finished region", "write failed (disk full?)");
  }
  out.commit();
}

std::optional<RegionPart> RegionParts::load(long long region, std::size_t columns) const {
  const std::string path = path_of(region);
  std::error_code ec;
  const auto bytes = fs::file_size(path, ec);
  if (ec) return std::nullopt;
  std::ifstream f(path, std::ios::binary);
  char magic[8];
  long long header[3];
  f.read(magic, sizeof magic);
  f.read(reinterpret_cast<char*>(header), sizeof header);
  if (!f || std::memcmp(magic, kMagic, sizeof magic) != 0 || header[0] != region ||
      header[1] != static_cast<long long>(columns) || header[2] < 0)
    return std::nullopt;
  const auto n = static_cast<std::uintmax_t>(header[2]);
  if (bytes != sizeof magic + sizeof header + n * (sizeof(long long) + columns * sizeof(float)))
    return std::nullopt;
  RegionPart part;
  part.region = region;
  part.pixels.resize(n);
  f.read(reinterpret_cast<char*>(part.pixels.data()), static_cast<std::streamsize>(n * sizeof(long long)));
  part.columns.assign(columns, std::vector<float>(n));
  for (auto& c : part.columns)
    f.read(reinterpret_cast<char*>(c.data()), static_cast<std::streamsize>(n * sizeof(float)));
  if (!f) return std::nullopt;
  return part;
}

void RegionParts::remove_all() const {
  std::error_code ec;
  fs::remove_all(folder_, ec);
}

}  // namespace lofimap::io
