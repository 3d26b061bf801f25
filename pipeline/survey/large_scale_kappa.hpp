// The convergence on scales larger than a region's margin, from the whole catalogue at once: the spherical
// Kaiser-Squires of the shear binned on a coarse HEALPix grid, low-passed by a Gaussian of sigma = margin
// / 4. A region's flat KS keeps only the complement (1 - G) of those scales (flat_kaiser_squires' removed
// sigma), whose real-space kernel falls off within a few sigma; the two add up to the full transfer, so a
// region's map no longer depends on where its tangent plane and its margin end. Without this, regions of
// nside 16 with 3 deg margins differed from one whole-field region by 2.4% of the map rms (per-region offsets
// up to 5%).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/core/flat_grid.hpp"
#include "pipeline/core/row_source.hpp"
#include "pipeline/core/shear_catalogue.hpp"

namespace lofimap::pipeline {

class LargeScaleKappa {
 public:
  // sigma of the low pass for a margin (deg): margin / 4, in arcmin.
  static double sigma_arcmin_for_margin(double margin_deg);
  // Resolution: the analysis nside resolves the Gaussian down to 1e-4 (l sigma = 4.3) with pixels at most
  // sigma / 2; the maps are synthesised with pixels at most sigma / 4 (HEALPix bilinear interpolation: on the
  // seams field the maps agreed with the truth as well as with pixels of sigma / 8, at 1/4 of the memory).
  static long analysis_nside(double sigma_arcmin);
  static long synthesis_nside(double sigma_arcmin);

  // Collective: every rank passes its own rows (each galaxy once over all ranks). The maps are made on rank 0
  // and broadcast. `smoothing_arcmin`: the map's own Gaussian smoothing, applied on top of the low pass.
  // `reach_deg`: how far from a galaxy the maps may be read (a region grid's farthest corner); only the
  // HEALPix rings between the galaxies' lowest and highest declination, widened by it, are synthesised.
  static LargeScaleKappa from_galaxies(const RowSource& rows, double margin_deg, double smoothing_arcmin,
                                       double reach_deg, const distributed::Communicator& comm);

  double sigma_arcmin() const { return sigma_arcmin_; }
  long nside() const { return nside_; }
  std::size_t bytes() const { return 2 * e_.size() * sizeof(float); }

  // kappa_E and kappa_B interpolated (HEALPix bilinear) at a sky position; std::logic_error outside the
  // synthesised band (a position farther than reach_deg from every galaxy).
  void at(double ra_deg, double dec_deg, double& e, double& b) const;
  // Adds the maps, sampled on a lattice of step sigma / 8 (or every pixel) and interpolated bilinearly, to
  // maps on `grid` ([iy * nx + ix]).
  void add_to_grid(const FlatGrid& grid, std::vector<double>& kappa_e, std::vector<double>& kappa_b) const;

 private:
  long nside_ = 0;
  double sigma_arcmin_ = 0;
  long long first_pixel_ = 0;  // the RING pixel of e_[0] and b_[0]
  std::vector<float> e_, b_;   // RING, the synthesised band of rings
};

}  // namespace lofimap::pipeline
