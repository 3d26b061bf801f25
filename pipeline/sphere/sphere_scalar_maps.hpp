// Scalar HEALPix maps: Gaussian smoothing by spherical harmonics and peaks over the pixels' neighbours.
#pragma once

#include <vector>

namespace lofimap::pipeline {

// The map (RING, 12 nside^2 values, zeros where unobserved) convolved with a Gaussian of standard deviation
// sigma_arcmin, band-limited at 3 nside - 1, with `iterations` Jacobi refinements of map2alm.
std::vector<double> sphere_gaussian_smooth(const std::vector<double>& map, long nside, double sigma_arcmin,
                                           int iterations = 3);

// A NESTED map in RING order.
std::vector<float> sphere_nested_to_ring(const std::vector<float>& nested, long nside);

// RING indices of the peaks of `value`: pixels above each of their (7 or) 8 neighbours (ties broken by pixel
// order), all inside and finite, at or above the threshold; in decreasing order of value.
std::vector<long long> sphere_peaks(const std::vector<double>& value, const std::vector<char>& inside,
                                    long nside, double threshold);

}  // namespace lofimap::pipeline
