#include "pipeline/sphere/sphere_scalar_maps.hpp"

#include <alm.h>
#include <alm_healpix_tools.h>
#include <alm_powspec_tools.h>
#include <healpix_base.h>
#include <healpix_map.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "pipeline/sphere/sphere_geometry.hpp"

namespace lofimap::pipeline {

std::vector<double> sphere_gaussian_smooth(const std::vector<double>& map, long nside, double sigma_arcmin,
                                           int iterations) {
  validate_nside(nside);
  if (map.size() != static_cast<size_t>(12LL * nside * nside))
    throw std::invalid_argument("HEALPix map has " + std::to_string(map.size()) +
                                " values, expected 12*nside^2");
  Healpix_Map<double> in(static_cast<int>(nside), RING, SET_NSIDE);
  for (size_t p = 0; p < map.size(); ++p) in[static_cast<int>(p)] = map[p];
  const int lmax = static_cast<int>(3 * nside - 1);
  Alm<xcomplex<double>> alm(lmax, lmax);
  arr<double> weight(static_cast<size_t>(2 * nside), 1.0);
  map2alm_iter(in, alm, iterations, weight);
  const double fwhm_rad = sigma_arcmin * std::sqrt(8 * std::log(2.0)) * std::numbers::pi / (180.0 * 60.0);
  smoothWithGauss(alm, fwhm_rad);
  alm2map(alm, in);
  std::vector<double> out(map.size());
  for (size_t p = 0; p < out.size(); ++p) out[p] = in[static_cast<int>(p)];
  return out;
}

std::vector<float> sphere_nested_to_ring(const std::vector<float>& nested, long nside) {
  const Healpix_Base2 base(nside, NEST, SET_NSIDE);
  if (nested.size() != static_cast<size_t>(base.Npix()))
    throw std::invalid_argument("HEALPix map has " + std::to_string(nested.size()) +
                                " values, expected 12*nside^2");
  std::vector<float> ring(nested.size());
  for (long long p = 0; p < base.Npix(); ++p)
    ring[static_cast<size_t>(base.nest2ring(p))] = nested[static_cast<size_t>(p)];
  return ring;
}

std::vector<long long> sphere_peaks(const std::vector<double>& value, const std::vector<char>& inside,
                                    long nside, double threshold) {
  const Healpix_Base2 base(nside, RING, SET_NSIDE);
  std::vector<long long> peaks;
  const auto usable = [&](long long p) {
    return p >= 0 && inside[static_cast<size_t>(p)] && std::isfinite(value[static_cast<size_t>(p)]);
  };
  fix_arr<int64, 8> neighbours;
  for (long long p = 0; p < base.Npix(); ++p) {
    const double v = value[static_cast<size_t>(p)];
    if (!usable(p) || !(v >= threshold)) continue;
    base.neighbors(p, neighbours);
    bool peak = true;
    for (size_t k = 0; k < 8 && peak; ++k) {
      const long long q = neighbours[k];
      if (q < 0) continue;  // 8 pixels of the map have only 7 neighbours
      const double w = value[static_cast<size_t>(q)];
      peak = usable(q) && (q < p ? w < v : w <= v);
    }
    if (peak) peaks.push_back(p);
  }
  std::stable_sort(peaks.begin(), peaks.end(), [&](long long a, long long b) {
    return value[static_cast<size_t>(a)] > value[static_cast<size_t>(b)];
  });
  return peaks;
}

}  // namespace lofimap::pipeline
