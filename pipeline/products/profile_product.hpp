// `lofimap profile`: tangential and cross shear of a catalogue in radial bins about a point of the sky (a
// cluster), with shape-noise errors, as a FITS table and a PNG. Each rank sums its own galaxies.
#pragma once

#include "distributed/communicator.hpp"
#include "pipeline/catalogue/catalogue_scan.hpp"
#include "pipeline/core/product_options.hpp"

namespace lofimap::pipeline {

struct ProfileConfig {
  CatalogueOptions catalogue;
  double ra_deg = 0, dec_deg = 0;  // the centre
  double r_min_arcmin = 1, r_max_arcmin = 20;
  long bins = 10;
  bool linear = false;    // bins equal in radius instead of in log radius
  OutputOptions output;   // FITS table, PNG beside it
  void validate() const;  // std::invalid_argument naming the option
};

// The tangential shear gamma_t = -Re(gamma e^{-2 i phi}) and the cross shear gamma_x = -Im(gamma e^{-2 i
// phi}), phi the position angle of the galaxy seen from the centre, measured in the galaxy's own frame (x
// East, y North): the great-circle bearing, exact at any separation. A mass concentration gives gamma_t > 0.
struct TangentialShear {
  double t = 0, x = 0, separation_arcmin = 0;
};
TangentialShear tangential_shear(double centre_ra_deg, double centre_dec_deg, double ra_deg, double dec_deg,
                                 double g1, double g2);

ProductReport run_profile(const ProfileConfig& config, const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
