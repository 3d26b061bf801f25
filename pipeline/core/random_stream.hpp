// Reproducible random numbers keyed by (seed, stream): every map, galaxy chunk or rank draws from its own
// stream, so results are identical bit for bit whatever the number of ranks or threads, and streams never
// overlap. Generator: xoshiro256** (Blackman & Vigna), seeded through splitmix64; normal deviates by the
// Marsaglia polar method and Poisson deviates by Knuth's method (small means) or Hoermann's PTRS (large),
// all written here so that no library's distribution implementation changes the numbers.
#pragma once

#include <cstdint>

namespace lofimap::pipeline {

class RandomStream {
 public:
  RandomStream(std::uint64_t seed, std::uint64_t stream);
  std::uint64_t next();
  double uniform();  // [0, 1), 53 random bits
  double normal();   // mean 0, variance 1
  std::uint64_t poisson(double mean);

 private:
  std::uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace lofimap::pipeline
