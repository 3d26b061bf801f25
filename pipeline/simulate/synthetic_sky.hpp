// A simple synthetic lensing sky for demos, tests and benchmarks: Gaussian convergence haloes on a flat patch
// and the exact flat forward model for their shear (cosmological fields are in flat_random_fields.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "pipeline/simulate/galaxy_sampling.hpp"

namespace lofimap::pipeline {

struct GaussianHalo {
  double ra_deg = 0, dec_deg = 0;
  double kappa0 = 0.1;        // peak convergence
  double sigma_arcmin = 2.0;  // Gaussian width
};

FlatSky make_synthetic_sky(const FlatGrid& patch, const std::vector<GaussianHalo>& haloes);

// Haloes at random positions inside the central 80% of the patch (for demos and benchmarks).
std::vector<GaussianHalo> random_haloes(const FlatGrid& patch, int count, std::uint64_t seed);

// Exactly n galaxies, uniform over the patch, additive shape noise sigma_e (see sample_flat_galaxies).
void sample_galaxies(const FlatSky& sky, long long n, double sigma_e, std::uint64_t seed, long chunk,
                     const GalaxySink& sink);

}  // namespace lofimap::pipeline
