#include "pipeline/sphere/sphere_raw_binning.hpp"

#include <healpix_base.h>
#include <pointing.h>

#include <numbers>

#include "pipeline/sphere/sphere_geometry.hpp"

namespace lofimap::pipeline {

namespace {
constexpr double kDeg = std::numbers::pi / 180.0;

long checked_pixels(long nside) {
  validate_nside(nside);
  return 12 * nside * nside;
}
}  // namespace

double SphereRawBinner::part_bytes(long nside, bool per_galaxy_c) {
  return (per_galaxy_c ? 6.0 : 4.0) * 8.0 * 12.0 * static_cast<double>(nside) * static_cast<double>(nside);
}

SphereRawBinner::SphereRawBinner(long nside, int parts, bool per_galaxy_c)
    : nside_(nside),
      sums_(static_cast<size_t>(checked_pixels(nside)), parts, per_galaxy_c),
      cells_(static_cast<size_t>(std::max(1, parts))) {}

void SphereRawBinner::add(int part, const RawShearRows& rows) {
  const Healpix_Base2 base(nside_, RING, SET_NSIDE);
  auto& cells = cells_[static_cast<size_t>(part)];
  cells.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i)
    cells[i] = static_cast<long>(base.ang2pix(pointing((90.0 - rows.dec[i]) * kDeg, rows.ra[i] * kDeg)));
  sums_.add(part, rows, cells);
}

SphereShearMaps SphereRawBinner::finish(const ShapeCalibration& calibration,
                                        const distributed::Communicator& comm) {
  auto merged = sums_.take_merged();
  comm.reduce_sum_to_root(merged.data(), merged.size());
  SphereShearMaps maps;
  maps.nside = nside_;
  sums_.calibrate(merged, calibration, maps.q, maps.u, maps.weight, maps.count);
  for (size_t k = 0; k < maps.q.size(); ++k)
    if (maps.weight[k] > 0) maps.q[k] = -maps.q[k], maps.u[k] = -maps.u[k];  // HEALPix (Q, U) = -(g1, g2)
  return maps;
}

}  // namespace lofimap::pipeline
