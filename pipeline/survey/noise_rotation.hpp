// Noise realisations of a shear catalogue: every galaxy's ellipticity turned by a random angle, which keeps
// its modulus (the shape noise) and destroys the lensing signal. The angle of galaxy g in realisation k
// depends only on (seed, k, the galaxy's position and weight as read), never on which rank holds the galaxy
// or in what order, so noise maps do not depend on the number of ranks. A rotation commutes with the rotation
// into a tangent plane, so it may be applied to the galaxies before or after that.
#pragma once

#include <cstdint>
#include <vector>

#include "pipeline/core/shear_catalogue.hpp"

namespace lofimap::pipeline {

class NoiseRotations {
 public:
  // `galaxies` as read (their values key the angles); `seed`: of all realisations.
  NoiseRotations(const ShearCatalogue& galaxies, std::uint64_t seed);
  // `galaxies` (the same rows, possibly already rotated into a plane) with realisation k's angles applied.
  ShearCatalogue apply(const ShearCatalogue& galaxies, long realisation) const;

 private:
  std::vector<std::uint64_t> keys_;  // per galaxy
  std::uint64_t seed_;
};

}  // namespace lofimap::pipeline
