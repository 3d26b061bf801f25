#include "pipeline/sphere/sphere_ring_band.hpp"

#include <libsharp/sharp.h>
#include <libsharp/sharp_almhelpers.h>
#include <libsharp/sharp_geomhelpers.h>

#include <healpix_base.h>
#include <pointing.h>

#include <algorithm>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

namespace lofimap::pipeline {

namespace {
long ring_of(const Healpix_Base2& base, double theta) {
  return static_cast<long>(base.pix2ring(base.ang2pix(pointing(theta, 0.0))));
}
}  // namespace

RingBand RingBand::full_sky(long nside) {
  return {nside, 1, 4 * nside - 1, 0, 12LL * nside * nside};
}

namespace {
// The band of rings first..last (1-based) with its RING pixel range.
RingBand band_of_rings(const Healpix_Base2& base, long first_ring, long last_ring) {
  RingBand band;
  band.nside = static_cast<long>(base.Nside());
  band.first_ring = first_ring, band.last_ring = last_ring;
  int64 start = 0, count = 0, last_start = 0;
  bool shifted = false;
  double theta = 0;
  base.get_ring_info2(first_ring, start, count, theta, shifted);
  base.get_ring_info2(last_ring, last_start, count, theta, shifted);
  band.first_pixel = start;
  band.pixels = last_start + count - start;
  return band;
}
}  // namespace

RingBand RingBand::covering(long nside, double theta_min, double theta_max, long extra) {
  const Healpix_Base2 base(nside, RING, SET_NSIDE);
  const double lo = std::clamp(std::min(theta_min, theta_max), 0.0, std::numbers::pi),
               hi = std::clamp(std::max(theta_min, theta_max), 0.0, std::numbers::pi);
  return band_of_rings(base, std::max(1L, ring_of(base, lo) - extra),
                       std::min(4 * nside - 1, ring_of(base, hi) + extra));
}

RingBand RingBand::of_pixels(long nside, long long first_pixel, long long end_pixel) {
  const Healpix_Base2 base(nside, RING, SET_NSIDE);
  if (!(first_pixel >= 0 && end_pixel > first_pixel && end_pixel <= base.Npix()))
    throw std::invalid_argument("pixels " + std::to_string(first_pixel) + ".." + std::to_string(end_pixel) +
                                " are not on the sphere at nside " + std::to_string(nside));
  return band_of_rings(base, static_cast<long>(base.pix2ring(first_pixel)),
                       static_cast<long>(base.pix2ring(end_pixel - 1)));
}

namespace {

// libsharp's descriptions of a band and of a triangular alm layout, freed with the job.
class BandJob {
 public:
  BandJob(const RingBand& band, int lmax, int mmax) {
    if (band.first_ring < 1 || band.last_ring > 4 * band.nside - 1 || band.first_ring > band.last_ring)
      throw std::invalid_argument("ring band " + std::to_string(band.first_ring) + ".." +
                                  std::to_string(band.last_ring) + " is not on the sphere at nside " +
                                  std::to_string(band.nside));
    std::vector<int> rings(static_cast<size_t>(band.last_ring - band.first_ring + 1));
    for (size_t k = 0; k < rings.size(); ++k)
      rings[k] = static_cast<int>(band.first_ring + static_cast<long>(k));
    sharp_make_triangular_alm_info(lmax, mmax, 1, &alm_);
    // libsharp's own HEALPix geometry for these rings (the same colatitudes, azimuths, pixel counts and
    // quadrature weights, 4 pi / npix, as a full-sky transform); it packs the listed rings' pixels one after
    // another from offset 0, which for consecutive rings is the band of the RING-ordered map.
    const std::vector<double> weights(static_cast<size_t>(2 * band.nside), 1.0);
    sharp_make_subset_healpix_geom_info(static_cast<int>(band.nside), 1, static_cast<int>(rings.size()),
                                        rings.data(), weights.data(), &geometry_);
  }
  ~BandJob() {
    if (geometry_) sharp_destroy_geom_info(geometry_);
    if (alm_) sharp_destroy_alm_info(alm_);
  }
  BandJob(const BandJob&) = delete;
  BandJob& operator=(const BandJob&) = delete;
  void run(sharp_jobtype type, int spin, void** alm, void** map) const {
    sharp_execute(type, spin, alm, map, geometry_, alm_, SHARP_DP, nullptr, nullptr);
  }

 private:
  sharp_alm_info* alm_ = nullptr;
  sharp_geom_info* geometry_ = nullptr;
};

}  // namespace

std::vector<double> synthesise_band(const std::complex<double>* alm, int lmax, int mmax,
                                    const RingBand& band) {
  const BandJob job(band, lmax, mmax);
  std::vector<double> map(static_cast<size_t>(band.pixels), 0.0);
  void* alm_ptr = const_cast<std::complex<double>*>(alm);
  void* map_ptr = map.data();
  job.run(SHARP_ALM2MAP, 0, &alm_ptr, &map_ptr);
  return map;
}

void analyse_band_spin2(const double* q, const double* u, const RingBand& band, int lmax, int mmax,
                        std::complex<double>* alm_e, std::complex<double>* alm_b) {
  const BandJob job(band, lmax, mmax);
  void* alm_ptr[2] = {alm_e, alm_b};
  void* map_ptr[2] = {const_cast<double*>(q), const_cast<double*>(u)};
  job.run(SHARP_MAP2ALM, 2, alm_ptr, map_ptr);
}

}  // namespace lofimap::pipeline
