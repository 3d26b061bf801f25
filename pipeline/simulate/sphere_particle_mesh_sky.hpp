// A particle-mesh light cone on HEALPix pixels inside a cap: the flat-sky cone of a sky-family sampler (Born
// convergence with its sub-mesh haloes) drawn on a gnomonic grid about the cap's centre at half the HEALPix
// pixel size, interpolated bilinearly to the centres of the pixels inside the cap; zero outside. The shear is
// the spin-2 forward model of the whole map (so it feels the cap's edge like a survey's mass map would not:
// use pixels away from the edge). The cone's flat-sky geometry holds while the cap's radius is a few degrees.
#pragma once

#include <cstdint>

#include "pipeline/simulate/sky_family.hpp"
#include "pipeline/simulate/sphere_halo_sky.hpp"
#include "pipeline/simulate/sphere_random_fields.hpp"

namespace lofimap::pipeline {

// The cap must not be the whole sky and at most 30 degrees across (std::invalid_argument naming --halo-cap or
// --disc otherwise). Map 0 of the sampler's stream layout with seed `seed`.
SphereSimulation sphere_particle_mesh_sky(SkyFamilySampler& sampler, long nside, int lmax,
                                          const SphereCap& cap, std::uint64_t seed);

}  // namespace lofimap::pipeline
