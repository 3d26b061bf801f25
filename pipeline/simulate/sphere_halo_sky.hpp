// Halo-model convergence skies on HEALPix: the light cone of HaloModel drawn over a spherical cap (or the
// whole sky), each halo pasted as its truncated NFW convergence onto the pixels it overlaps (sub-pixel
// averages near the centre), on a Gaussian or lognormal background that carries the rest of the total C_ell
// (C_background = max(C_total - C_one_halo, 0)); the shear follows from the summed convergence by the exact
// spin-2 forward model. Unlike the flat grid, the sphere is not periodic, so haloes of any size are pasted.
// What this leaves out, as on the flat grid: halo positions are uncorrelated (no two-halo clustering among
// them or with the background); profiles are spherical.
#pragma once

#include <cstdint>
#include <vector>

#include "pipeline/core/angular_spectrum.hpp"
#include "pipeline/simulate/halo_model_sky.hpp"
#include "pipeline/simulate/sphere_random_fields.hpp"

namespace lofimap::pipeline {

// Where haloes are drawn: a disc about (RA, Dec); a radius of 180 deg or more is the whole sky.
struct SphereCap {
  double ra_deg = 0, dec_deg = 0, radius_deg = 180;
  bool whole_sky() const { return radius_deg >= 180; }
  double area_sr() const;
  bool contains(double ra_deg, double dec_deg) const;
};

// More haloes than this are refused (about 100 bytes each while drawn, and the pasting time).
constexpr double kMaxSphereHaloes = 3e7;

// The light cone over the cap, positions uniform on it (by area).
std::vector<LightconeHalo> draw_sphere_haloes(const HaloModel& model, const SphereCap& cap,
                                              std::uint64_t seed, std::uint64_t stream);

// Adds each halo's convergence to a RING map: the mean of its profile over every pixel it overlaps. A pixel
// takes the profile at its centre when that lies two pixel sizes from the halo's centre and the halo spans
// four pixels or more; otherwise it is split into its four NESTED children, recursively, down to a 64th of
// the truncation radius (at most 8 times: 4^8 sub-pixels; 1-2% of the mass is missed, measured). Threads
// compute, the sums are made in halo order: the map is the same for any thread count.
void paste_sphere_haloes(std::vector<double>& kappa, long nside, const std::vector<LightconeHalo>& haloes);

struct SphereHaloSky {
  SphereSimulation sim;  // kappa (background + haloes - their mean inside the cap) and its (Q, U)
  std::vector<LightconeHalo> haloes;
  AngularSpectrum background_cl;
};

// lambda 0: Gaussian background; lambda > 0: lognormal background of that shift. The background draws from
// `field_stream`, the light cone from `halo_stream`.
SphereHaloSky sphere_halo_model_sky(const HaloModel& model, const AngularSpectrum& total_cl, long nside,
                                    int lmax, double lambda, const SphereCap& cap, std::uint64_t seed,
                                    std::uint64_t field_stream, std::uint64_t halo_stream);

}  // namespace lofimap::pipeline
