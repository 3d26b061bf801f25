#include "pipeline/simulate/sphere_particle_mesh_sky.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "pipeline/flat/flat_geometry.hpp"
#include "pipeline/sphere/sphere_geometry.hpp"
#include "pipeline/sphere/sphere_kaiser_squires.hpp"

namespace lofimap::pipeline {

SphereSimulation sphere_particle_mesh_sky(SkyFamilySampler& sampler, long nside, int lmax,
                                          const SphereCap& cap, std::uint64_t seed) {
  if (cap.whole_sky() || !(cap.radius_deg > 0 && cap.radius_deg <= 15))
    throw std::invalid_argument(
        "--family particle-mesh --sphere: give a cap of radius (0, 15] deg (--halo-cap RA DEC "
        "RADIUS, or the catalogue's --disc)");
  validate_nside(nside);
  const double deg = std::numbers::pi / 180;
  const double healpix_pixel_arcmin = std::sqrt(4 * std::numbers::pi / (12.0 * nside * nside)) / deg * 60;
  const double pixel = healpix_pixel_arcmin / 2;
  // The grid reaches the cap's edge in every direction: half-width tan(radius) on the tangent plane.
  const long half = static_cast<long>(std::ceil(std::tan(cap.radius_deg * deg) / deg * 60 / pixel)) + 2;
  const FlatGrid grid({cap.ra_deg, cap.dec_deg}, pixel, 2 * half, 2 * half);
  SkyParameters drawn;
  const auto flat = sampler.draw(grid, 0, seed, 2, 0, 1, drawn);
  sampler.take_shear();
  sampler.take_source_planes();
  SphereSimulation sim;
  sim.nside = nside;
  sim.lmax = lmax > 0 ? lmax : static_cast<int>(3 * nside - 1);
  const long long pixels = 12LL * nside * nside;
  sim.kappa.assign(static_cast<size_t>(pixels), 0.0);
  const GnomonicProjector project(grid.centre);
  for (long long p = 0; p < pixels; ++p) {
    double ra = 0, dec = 0;
    sphere_pix2ang(nside, p, ra, dec);
    if (!cap.contains(ra, dec)) continue;
    const auto xy = project(ra, dec);
    if (!xy.valid) continue;
    // Fractional pixel indices (centre of pixel i at x_of(i)).
    const double fx = xy.x_deg / grid.pixel_deg() + 0.5 * static_cast<double>(grid.nx - 1);
    const double fy = xy.y_deg / grid.pixel_deg() + 0.5 * static_cast<double>(grid.ny - 1);
    const long ix = static_cast<long>(std::floor(fx)), iy = static_cast<long>(std::floor(fy));
    if (ix < 0 || iy < 0 || ix + 1 >= grid.nx || iy + 1 >= grid.ny) continue;
    const double tx = fx - static_cast<double>(ix), ty = fy - static_cast<double>(iy);
    auto at = [&](long x, long y) { return flat[static_cast<size_t>(y * grid.nx + x)]; };
    sim.kappa[static_cast<size_t>(p)] = (1 - ty) * ((1 - tx) * at(ix, iy) + tx * at(ix + 1, iy)) +
                                        ty * ((1 - tx) * at(ix, iy + 1) + tx * at(ix + 1, iy + 1));
  }
  const auto shear = sphere_shear_from_convergence(sim.kappa, {}, nside, sim.lmax);
  sim.q = shear.a;
  sim.u = shear.b;
  return sim;
}

}  // namespace lofimap::pipeline
