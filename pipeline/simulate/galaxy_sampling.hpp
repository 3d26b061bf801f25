// Simulated galaxy catalogues from a truth field: positions by a Poisson process (uniform, thinned by a sky
// mask), the shear interpolated at each galaxy, shape noise sigma_e per component (additive, or the exact
// reduced-shear transformation e = (n + g) / (1 + g* n)), and writing in any preset's columns and convention.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/core/shear_catalogue.hpp"
#include "pipeline/flat/flat_geometry.hpp"
#include "pipeline/simulate/cosmology.hpp"

namespace lofimap::pipeline {

class SkyMask;
struct SphereSimulation;

// Truth on a flat patch, internal frame (x = +RA): kappa and shear on the patch grid.
struct FlatSky {
  FlatGrid patch;
  std::vector<double> kappa, gamma1, gamma2;
  // Tomographic truth (particle-mesh cones with an n(z)): the fields for single source planes at redshifts
  // plane_z (ascending); each galaxy then draws its redshift from `nz` and takes the fields interpolated
  // linearly in z between the two planes around it. Empty: every galaxy sees kappa, gamma1, gamma2.
  std::vector<double> plane_z;
  std::vector<std::vector<double>> plane_kappa, plane_gamma1, plane_gamma2;
  SourceDistribution nz;
};

struct GalaxySample {
  ShearCatalogue galaxies;               // observed shapes, internal frame, unit weights
  std::vector<double> true_kappa;        // per galaxy
  std::vector<double> true_g1, true_g2;  // the shear (or reduced shear) that was applied, internal frame
  std::vector<double> z;                 // per galaxy, when the truth is tomographic (else empty)
};

struct ShapeNoise {
  double sigma_e = 0.26;       // per component
  bool reduced_shear = false;  // apply g = gamma / (1 - kappa) with the exact transformation
};

using GalaxySink = std::function<void(const GalaxySample&)>;

// The mean observed ellipticity of sources behind (kappa, gamma) in the reduced-shear regime: g = gamma / (1
// - kappa) where |g| <= 1 and 1 / g* in critical regions (Seitz & Schneider 1997); 0 on the critical curve
// itself (kappa = 1), where g is undefined. Always |result| <= 1.
void observed_reduced_shear(double kappa, double gamma1, double gamma2, double& g1, double& g2);

// Galaxies over a flat patch. count >= 0: exactly that many (before masking); count < 0: Poisson with mean
// density_per_arcmin2 x patch area. Chunks of at most `chunk` galaxies, each from its own random stream.
void sample_flat_galaxies(const FlatSky& sky, long long count, double density_per_arcmin2,
                          const ShapeNoise& noise, const SkyMask* mask, std::uint64_t seed, long chunk,
                          const GalaxySink& sink);

// Galaxies over the sphere (Poisson, density per arcmin^2 over the unmasked sky), bilinear HEALPix
// interpolation.
void sample_sphere_galaxies(const SphereSimulation& sky, double density_per_arcmin2, const ShapeNoise& noise,
                            const SkyMask* mask, std::uint64_t seed, long chunk, const GalaxySink& sink);

// FITS catalogue in a preset's columns and sign convention (the inverse of ingest), neutral calibration
// columns where the preset needs them (R = 1, m = c = 0), plus TRUE_KAPPA, TRUE_GAMMA1, TRUE_GAMMA2 in the
// same convention as the shapes.
class CatalogueWriter {
 public:
  // `redshift`: also a redshift column, named as the preset's (Z where the preset has none).
  CatalogueWriter(const std::string& path, const std::string& preset, bool redshift = false);
  ~CatalogueWriter();
  void append(const GalaxySample& sample);
  void close();
  long long rows() const { return rows_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  long long rows_ = 0;
};

}  // namespace lofimap::pipeline
