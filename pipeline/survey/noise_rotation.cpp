#include "pipeline/survey/noise_rotation.hpp"

#include <bit>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace lofimap::pipeline {

namespace {
// splitmix64 (Steele, Lea & Flood 2014) as a mixing function.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
}  // namespace

NoiseRotations::NoiseRotations(const ShearCatalogue& g, std::uint64_t seed) : keys_(g.size()), seed_(seed) {
  for (size_t i = 0; i < g.size(); ++i) {
    std::uint64_t h = 0x243f6a8885a308d3ull;
    // Position and weight as read: the shear is calibrated with sums over the ranks, whose last bits depend
    // on the number of ranks.
    for (double v : {g.ra_deg[i], g.dec_deg[i], g.weight[i]}) h = mix(h ^ std::bit_cast<std::uint64_t>(v));
    keys_[i] = h;
  }
}

ShearCatalogue NoiseRotations::apply(const ShearCatalogue& g, long realisation) const {
  if (g.size() != keys_.size()) throw std::logic_error("NoiseRotations: not the catalogue it was made for");
  ShearCatalogue out = g;
  const std::uint64_t base = mix(seed_ ^ mix(static_cast<std::uint64_t>(realisation) + 0x5bd1e995ull));
  for (size_t i = 0; i < g.size(); ++i) {
    const std::uint64_t h = mix(keys_[i] ^ base);
    const double angle = 2 * std::numbers::pi * static_cast<double>(h >> 11) * 0x1.0p-53;  // of e^{i angle}
    const double c = std::cos(angle), s = std::sin(angle);
    out.g1[i] = g.g1[i] * c - g.g2[i] * s;
    out.g2[i] = g.g1[i] * s + g.g2[i] * c;
  }
  return out;
}

}  // namespace lofimap::pipeline
