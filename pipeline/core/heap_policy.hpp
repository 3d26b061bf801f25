// How freed memory goes back to the system (glibc malloc). The process default (set_default_heap_policy, from
// main) maps every block of 4 MiB and more and unmaps it when freed: per-region galaxy catalogues otherwise
// fragmented the heap (resident memory grew by 1.1 GB over 48 waves of 5x10^7 galaxies). Work that allocates
// and frees the same large buffers again and again (libsharp's per-transform phase arrays, a region's FFT
// buffers, LoFi's activations of hundreds of MB per forward pass) then pays a page fault per 4 KiB every
// time; within a HeapReuse scope freed blocks stay in the heap for the next allocation, and the scope's end
// hands them back (malloc_trim). Inference holds one for as long as a model is open (70% -> 76% of the matmul
// ceiling when it was introduced).
#pragma once

namespace lofimap::pipeline {

// Blocks of 4 MiB and more mapped, and returned to the system when freed.
void set_default_heap_policy();

// Transparent huge pages for malloc's memory: where the kernel gives them only on request (THP "madvise", the
// Debian default), the process is executed again, once, with glibc's tunable glibc.malloc.hugetlb=1 (read
// only at start), so that malloc asks for 2 MiB pages. A page fault then maps 2 MiB instead of 4 KiB: a small
// region map took 131,000 faults and 3.8 s, with it 23,000 and 3.0 s (the galaxy exchange 0.35 -> 0.03 s).
// Nothing happens when GLIBC_TUNABLES already names the tunable (a user's choice, or after the re-execution),
// when LOFIMAP_HUGE_PAGES=0, or when THP is "always" or "never". Call first in main, before any thread or
// MPI.
void request_huge_pages(char** argv);

// While one lives (nesting allowed, any thread), no block is mapped or trimmed; the last one to end restores
// the default policy and trims the heap.
class HeapReuse {
 public:
  HeapReuse();
  ~HeapReuse();
  HeapReuse(const HeapReuse&) = delete;
  HeapReuse& operator=(const HeapReuse&) = delete;
};

}  // namespace lofimap::pipeline
