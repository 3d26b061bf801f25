// A simple synthetic lensing sky for demos, tests and benchmarks: Gaussian convergence haloes on a flat patch,
// the exact flat forward model for their shear, and galaxies drawn uniformly with shape noise, written in any
// preset's columns and sign convention. (Cosmological fields and HEALPix simulations are `lofimap simulate`.)
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/flat_geometry.hpp"
#include "pipeline/shear_catalogue.hpp"

namespace lofimap::pipeline {

struct GaussianHalo {
  double ra_deg = 0, dec_deg = 0;
  double kappa0 = 0.1;        // peak convergence
  double sigma_arcmin = 2.0;  // Gaussian width
};

struct SyntheticSky {
  FlatPatch patch;
  std::vector<double> kappa, gamma1, gamma2;  // truth on the patch grid, internal frame
};

SyntheticSky make_synthetic_sky(const FlatPatch& patch, const std::vector<GaussianHalo>& haloes);

// Haloes at random positions inside the central 80% of the patch (for demos and benchmarks).
std::vector<GaussianHalo> random_haloes(const FlatPatch& patch, int count, std::uint64_t seed);

struct GalaxySample {
  ShearCatalogue galaxies;           // internal frame, noisy shapes
  std::vector<double> true_kappa;    // per galaxy (bilinear)
};

// Draws n galaxies uniformly over the patch (in chunks of at most chunk rows, passed to sink), shear bilinear
// from the truth grid, Gaussian shape noise sigma_e per component, redrawn so that |e| < 1.
void sample_galaxies(const SyntheticSky& sky, long long n, double sigma_e, std::uint64_t seed, long chunk,
                     const std::function<void(const GalaxySample&)>& sink);

// Writes galaxies to a FITS table with the preset's column names and sign convention (the inverse of ingest),
// neutral calibration columns (R = 1, m = c = 0) where the preset needs them, plus a TRUE_KAPPA column.
class SyntheticCatalogueWriter {
 public:
  SyntheticCatalogueWriter(const std::string& path, const std::string& preset);
  ~SyntheticCatalogueWriter();
  void append(const GalaxySample& sample);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lofimap::pipeline
