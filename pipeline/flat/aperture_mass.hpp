// Aperture mass (Schneider 1996) on a flat grid of binned shear: M_ap(x) = int d^2y Q(|y - x|) gamma_t(y; x),
// the tangential shear about x weighted by the compensated polynomial filter of Schneider, van Waerbeke, Jain
// & Kruse (1998), Q(r) = 6 / (pi theta^2) (r/theta)^2 (1 - (r/theta)^2) for r <= theta. A mass-sheet-free,
// local estimate of projected mass (a cluster finder); the cross component M_x, from gamma_x, is zero for
// lensing and measures noise and systematics. The shear-noise variance sum_j A^2 Q_j^2 sigma_e^2 / N_j gives
// its S/N.
#pragma once

#include <vector>

#include "pipeline/core/flat_grid.hpp"

namespace lofimap::pipeline {

struct ApertureMassMaps {
  // M_ap, M_x, the shape-noise sigma of either, and M_ap / sigma (NaN where no galaxy is in reach)
  std::vector<double> map, cross, noise, snr;
};

// g1, g2: the mean shear per pixel (internal frame), counts: galaxies per pixel (0: empty, contributes
// nothing); the sums run over the pixels of the grid only (zero padding, no wrap-around). theta_arcmin is the
// filter's radius.
ApertureMassMaps aperture_mass(const std::vector<double>& g1, const std::vector<double>& g2,
                               const std::vector<double>& counts, const FlatGrid& grid, double theta_arcmin,
                               double sigma_e);

// The filter Q(r) for r and theta in the same unit, in 1 / theta^2 units of that unit.
double aperture_filter_q(double r, double theta);

}  // namespace lofimap::pipeline
