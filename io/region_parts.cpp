#include "io/region_parts.hpp"

#include <spdlog/spdlog.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "io/atomic_output.hpp"
#include "io/error.hpp"
#include "io/file_identity.hpp"

namespace lofimap::io {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'L', 'M', 'R', 'P', 'A', 'R', 'T', '2'};
constexpr std::uintmax_t kMaxRecord = 1 << 20;

// Header of a region file: magic, then region, columns, rows, the hash of the record it was made with, and
// the checksum of everything after the magic except the checksum itself.
struct Header {
  long long region = 0, columns = 0, rows = 0;
  std::uint64_t record_hash = 0, checksum = 0;
};

bool is_region_file(const std::string& name) {
  return name.rfind("region_", 0) == 0 && name.size() > 11 && name.compare(name.size() - 4, 4, ".bin") == 0 &&
         name.substr(7, name.size() - 11).find_first_not_of("0123456789") == std::string::npos;
}

std::uint64_t checksum_of(const Header& h, const std::vector<long long>& pixels,
                          const std::vector<std::vector<float>>& columns) {
  const long long fields[3] = {h.region, h.columns, h.rows};
  std::uint64_t c = fnv1a64(fields, sizeof fields);
  c = fnv1a64(&h.record_hash, sizeof h.record_hash, c);
  c = fnv1a64(pixels.data(), pixels.size() * sizeof(long long), c);
  for (const auto& column : columns) c = fnv1a64(column.data(), column.size() * sizeof(float), c);
  return c;
}

std::string read_record(const fs::path& path) {
  std::error_code ec;
  const auto bytes = fs::file_size(path, ec);
  if (ec || bytes > kMaxRecord)
    throw Error(path.string(), "reading the record of finished regions", "unreadable or too large");
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// "name = value" lines that differ between two records, one per line: what a user has to change back.
std::string record_difference(const std::string& before, const std::string& now) {
  const auto lines = [](const std::string& text) {
    std::vector<std::pair<std::string, std::string>> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      const auto eq = line.find(" = ");
      out.emplace_back(eq == std::string::npos ? line : line.substr(0, eq),
                       eq == std::string::npos ? "" : line.substr(eq + 3));
    }
    return out;
  };
  const auto a = lines(before), b = lines(now);
  std::string diff;
  const auto value_in = [](const auto& list, const std::string& key) -> std::optional<std::string> {
    for (const auto& [k, v] : list)
      if (k == key) return v;
    return std::nullopt;
  };
  for (const auto& [key, value] : a) {
    const auto other = value_in(b, key);
    if (!other || *other != value)
      diff += "\n  " + key + ": " + value + " (then), " + (other ? *other : "(none)") + " (now)";
  }
  for (const auto& [key, value] : b)
    if (!value_in(a, key)) diff += "\n  " + key + ": (none) (then), " + value + " (now)";
  return diff.empty() ? "\n  (the records differ in their layout: made by another lofimap version?)" : diff;
}

long long count_region_files(const fs::path& folder) {
  long long n = 0;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    n += is_region_file(it->path().filename().string()) ? 1 : 0;
  return n;
}

// A temporary of lofimap's own (io::AtomicOutput: ".NAME.tmp.HOST.PID.XXXXXX/"), e.g. the marker another task
// of a job array is writing at this moment.
bool is_temporary(const std::string& name) {
  return name.size() > 1 && name[0] == '.' && name.find(".tmp.") != std::string::npos;
}

// Nothing in it but lofimap's own temporaries.
bool holds_nothing_foreign(const fs::path& folder) {
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    if (!is_temporary(it->path().filename().string())) return false;
  return !ec;
}

}  // namespace

RegionParts::RegionParts(const std::string& folder, const std::string& record, bool resume)
    : folder_(folder), record_hash_(fnv1a64(record.data(), record.size())) {
  // The longest region file name (nside 1024 regions), checked before anything is mapped.
  check_path_length(path_of(12LL * 1024 * 1024));
  std::error_code ec;
  const fs::path marker = fs::path(folder) / kMarker;
  const auto status = fs::symlink_status(folder, ec);
  bool matching = false;
  if (fs::exists(status) && !fs::is_directory(status))
    throw Error(folder, "preparing the folder of finished regions",
                "exists and is not a folder lofimap made (a file or a link); nothing was touched: remove or "
                "rename it, or choose another output");
  if (fs::is_directory(status)) {
    if (!fs::exists(marker, ec)) {
      if (!holds_nothing_foreign(folder))
        throw Error(folder, "preparing the folder of finished regions",
                    std::string("holds files lofimap did not write (no ") + kMarker +
                        "); nothing was touched: move them elsewhere or choose another output");
    } else {
      const long long finished = count_region_files(folder);
      if (resume) {
        const std::string before = read_record(marker);
        if (before != record)
          throw Error(folder, "resuming a survey map",
                      "its " + std::to_string(finished) +
                          " finished regions were made from other inputs or "
                          "options:" +
                          record_difference(before, record) +
                          "\ngive the same inputs and options, or remove the folder to start again");
        matching = true;
      } else if (finished > 0) {
        throw Error(
            folder, "starting a survey map",
            "holds " + std::to_string(finished) +
                " finished regions of an interrupted run: pass --resume to continue it, or remove the "
                "folder to start again");
      }
    }
  } else {
    fs::create_directory(folder, ec);
    if (ec) throw Error(folder, "creating the folder of finished regions", ec.message());
  }
  if (!matching) {
    AtomicOutput out(marker.string(), true);
    std::ofstream(out.temp_path()) << record;
    out.commit();
  }
}

RegionParts RegionParts::attach(const std::string& folder, const std::string& record) {
  return RegionParts(folder, fnv1a64(record.data(), record.size()));
}

std::string RegionParts::path_of(long long region) const {
  return (fs::path(folder_) / ("region_" + std::to_string(region) + ".bin")).string();
}

void RegionParts::save(const RegionPart& part) const {
  AtomicOutput out(path_of(part.region), true);
  {
    Header h{part.region, static_cast<long long>(part.columns.size()),
             static_cast<long long>(part.pixels.size()), record_hash_, 0};
    h.checksum = checksum_of(h, part.pixels, part.columns);
    std::ofstream f(out.temp_path(), std::ios::binary);
    f.write(kMagic, sizeof kMagic);
    f.write(reinterpret_cast<const char*>(&h), sizeof h);
    f.write(reinterpret_cast<const char*>(part.pixels.data()),
            static_cast<std::streamsize>(part.pixels.size() * sizeof(long long)));
    for (const auto& c : part.columns)
      f.write(reinterpret_cast<const char*>(c.data()),
              static_cast<std::streamsize>(c.size() * sizeof(float)));
    if (!f) throw Error(path_of(part.region), "writing a finished region", "write failed (disk full?)");
  }
  out.commit();
}

std::optional<RegionPart> RegionParts::load(long long region, std::size_t columns,
                                            long long pixel_limit) const {
  const std::string path = path_of(region);
  std::error_code ec;
  const auto bytes = fs::file_size(path, ec);
  if (ec) return std::nullopt;  // not finished
  const auto damaged = [&](const std::string& why) -> std::optional<RegionPart> {
    spdlog::warn("{}: finished region {} is damaged ({}); mapping it again", path, region, why);
    std::error_code rm;
    fs::remove(path, rm);
    return std::nullopt;
  };
  std::ifstream f(path, std::ios::binary);
  char magic[8];
  Header h;
  f.read(magic, sizeof magic);
  f.read(reinterpret_cast<char*>(&h), sizeof h);
  if (!f || std::memcmp(magic, kMagic, sizeof magic) != 0)
    return damaged("not a region file of this version");
  if (h.region != region || h.columns != static_cast<long long>(columns) || h.rows < 0 ||
      h.rows > pixel_limit)
    return damaged("its header names another region, column count or size");
  if (h.record_hash != record_hash_) return damaged("made from other inputs or options");
  const auto n = static_cast<std::uintmax_t>(h.rows);
  if (bytes != sizeof magic + sizeof h + n * (sizeof(long long) + columns * sizeof(float)))
    return damaged("its size does not match its header");
  RegionPart part;
  part.region = region;
  part.pixels.resize(n);
  f.read(reinterpret_cast<char*>(part.pixels.data()), static_cast<std::streamsize>(n * sizeof(long long)));
  part.columns.assign(columns, std::vector<float>(n));
  for (auto& c : part.columns)
    f.read(reinterpret_cast<char*>(c.data()), static_cast<std::streamsize>(n * sizeof(float)));
  if (!f) return damaged("cannot be read whole");
  if (checksum_of(h, part.pixels, part.columns) != h.checksum) return damaged("its checksum does not match");
  for (std::size_t i = 0; i < n; ++i)
    if (part.pixels[i] < 0 || part.pixels[i] >= pixel_limit ||
        (i > 0 && part.pixels[i] <= part.pixels[i - 1]))
      return damaged("its pixels are not ascending inside the map");
  return part;
}

void RegionParts::remove_all() const {
  std::error_code ec;
  std::vector<fs::path> ours, temporaries;
  for (fs::directory_iterator it(folder_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (is_region_file(name)) ours.push_back(it->path());
    std::error_code kind;
    if (is_temporary(name) && it->is_directory(kind) && !it->is_symlink(kind))
      temporaries.push_back(it->path());
  }
  for (const auto& p : ours) fs::remove(p, ec);
  // Temporaries of runs killed while saving a region: only the names lofimap writes in them, then the folder
  // (which stays if anything else is in it).
  for (const auto& t : temporaries) {
    std::vector<fs::path> inside;
    std::error_code list;
    for (fs::directory_iterator it(t, list), end; !list && it != end; it.increment(list)) {
      const std::string name = it->path().filename().string();
      if (is_region_file(name) || name == kMarker || name == ".previous") inside.push_back(it->path());
    }
    for (const auto& p : inside) fs::remove(p, ec);
    fs::remove(t, ec);
  }
  fs::remove(fs::path(folder_) / kMarker, ec);
  if (!fs::remove(folder_, ec) && fs::exists(folder_))
    spdlog::warn("{}: kept, it holds files lofimap did not write", folder_);
}

}  // namespace lofimap::io
