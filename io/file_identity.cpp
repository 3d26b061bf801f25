#include "io/file_identity.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <vector>

#include "io/error.hpp"

namespace lofimap::io {

std::uint64_t fnv1a64(const void* data, std::size_t bytes, std::uint64_t seed) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t h = seed;
  for (std::size_t i = 0; i < bytes; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

std::string file_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw Error(path, "checking what the run was made from", "cannot stat");
  constexpr std::streamoff kChunk = 1 << 20;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path, "checking what the run was made from", "cannot open");
  std::vector<char> buffer(static_cast<std::size_t>(kChunk));
  in.read(buffer.data(), kChunk);
  std::uint64_t h = fnv1a64(buffer.data(), static_cast<std::size_t>(in.gcount()));
  const std::streamoff size = st.st_size;
  if (size > kChunk) {
    in.clear();
    in.seekg(std::max(kChunk, size - kChunk));
    in.read(buffer.data(), kChunk);
    h = fnv1a64(buffer.data(), static_cast<std::size_t>(in.gcount()), h);
  }
  char when[64] = "?";
  std::tm utc{};
  if (gmtime_r(&st.st_mtim.tv_sec, &utc)) std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &utc);
  char text[160];
  std::snprintf(text, sizeof text, "bytes %lld, modified %s.%09ldZ, content %016llx",
                static_cast<long long>(size), when, static_cast<long>(st.st_mtim.tv_nsec),
                static_cast<unsigned long long>(h));
  return text;
}

void check_file_identity(const std::string& path, const std::string& expected, const std::string& when) {
  const std::string now = file_identity(path);
  if (now == expected) return;
  const auto field = [](const std::string& s, const char* key) {
    const auto a = s.find(key);
    if (a == std::string::npos) return std::string();
    return s.substr(a, s.find(',', a) == std::string::npos ? std::string::npos : s.find(',', a) - a);
  };
  std::string changed;
  for (const char* key : {"bytes", "modified", "content"})
    if (field(now, key) != field(expected, key))
      changed += (changed.empty() ? "" : "; ") + field(expected, key) + " then, " + field(now, key) + " now";
  throw Error(path, when, "is not the file this run started from (" + changed + ")");
}

}  // namespace lofimap::io
