// What this machine can give a request, so that a request too large for it is refused before anything is
// allocated or written (naming the option and the size) instead of ending in an out-of-memory kill, bad_alloc
// or a full disk.
#pragma once

#include <string>

namespace lofimap::pipeline {

// Memory the kernel says can be allocated without swapping (MemAvailable of /proc/meminfo; physical memory
// when that is unreadable), in bytes.
double available_memory_bytes();
// Free space for an unprivileged writer on the filesystem holding `path` (a file or folder), in bytes.
double free_disk_bytes(const std::string& path);

// "12.3 GiB" and the like, for messages.
std::string human_bytes(double bytes);

// Throws std::invalid_argument "<what> needs about <need>; this machine has <have> available" when the
// estimate exceeds the available memory.
void require_memory(double bytes, const std::string& what);
// The same for disk space in the folder of `path`.
void require_disk(double bytes, const std::string& path, const std::string& what);

}  // namespace lofimap::pipeline
