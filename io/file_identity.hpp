// What a run was made from, so that a resumed or re-read run can tell whether its inputs are still the same
// files: size, modification time and a hash of the first and last MiB (a FITS header and the first rows, and
// the end of the table), cheap even for a 100 GB catalogue. Also the checksum of lofimap's own progress
// files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace lofimap::io {

// 64-bit FNV-1a: detects every flipped byte of a progress file with probability 1 - 2^-64 (not a defence
// against a crafted file, which the user could as well write as a map).
std::uint64_t fnv1a64(const void* data, std::size_t bytes, std::uint64_t seed = 14695981039346656037ULL);

// "bytes N, modified YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ, content XXXXXXXXXXXXXXXX". Throws io::Error naming the
// file when it cannot be read.
std::string file_identity(const std::string& path);

// Throws io::Error naming `path` and saying what changed (size, time, content) when its identity is not
// `expected` any more; `when` says what the run was doing ("resuming the survey map").
void check_file_identity(const std::string& path, const std::string& expected, const std::string& when);

}  // namespace lofimap::io
