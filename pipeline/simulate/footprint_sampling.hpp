// Survey-specific training data: simulated skies observed through a real catalogue's footprint. Galaxies sit
// at the catalogue's own positions (its holes, edges and density variations) with its own weights, and each
// galaxy's shape noise is its own calibrated ellipticity turned by a random angle, which keeps the real,
// heavy-tailed distribution of |e| and its correlation with weight while erasing the real lensing signal.
#pragma once

#include <string>
#include <vector>

#include "pipeline/core/flat_grid.hpp"
#include "pipeline/core/random_stream.hpp"

namespace lofimap::pipeline {

struct FootprintCatalogue {
  std::string path;
  // Positions on the tangent plane about the catalogue's mean direction [arcmin], weights and calibrated
  // ellipticities in the internal frame.
  std::vector<double> x_arcmin, y_arcmin, e1, e2, weight;
  double x_min = 0, x_max = 0, y_min = 0, y_max = 0;
  double sigma_e = 0;  // weighted rms per component
};

// Reads and calibrates the catalogue with the preset (every rank reads it all: footprints are small).
FootprintCatalogue load_footprint(const std::string& path, const std::string& preset);

struct FootprintObservation {
  std::vector<double> g1, g2;  // weighted mean of shear + rotated ellipticity per pixel (0 where empty)
  std::vector<double> counts;  // effective galaxies per pixel, (sum w)^2 / sum w^2
  long galaxies = 0;           // galaxies that fell on the grid
  double n_gal = 0;            // their density over the pixels they occupy [per arcmin^2]
};

// Lays the grid over the footprint, a random cut-out where the footprint is larger than the grid (centred
// where it is smaller) in a random one of the square's 8 orientations, and observes the periodic shear
// (g1, g2; with `reduced`, the observed reduced shear of observed_reduced_shear) at each galaxy's pixel.
// Pixels where `survey` is 0 (random star masks) lose their galaxies.
FootprintObservation observe_through_footprint(const FootprintCatalogue& footprint, const FlatGrid& grid,
                                               const std::vector<double>& shear1,
                                               const std::vector<double>& shear2,
                                               const std::vector<double>& kappa, bool reduced,
                                               const std::vector<unsigned char>& survey, RandomStream& rng);

}  // namespace lofimap::pipeline
