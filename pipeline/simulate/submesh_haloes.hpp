// The mass a particle mesh cannot resolve, added back to a light cone's convergence: haloes drawn from the
// Tinker et al. (2008) mass function in the cone's volume (HaloModel), each placed on a particle of its lens
// plane (so haloes follow the simulated cosmic web, with the bias of the mass, b = 1), pasted as a truncated
// NFW profile minus the same mass smoothed by a Gaussian of the mesh's resolution (sigma = smoothing_cells
// mesh cells at the halo's distance). The compensated profile has no net mass and no power on scales the mesh
// resolves; below them it concentrates the mass the mesh spread over a cell or two into the halo's cusp.
// What this leaves out: haloes are placed on random particles, not on the simulated haloes themselves (no
// friends-of-friends); their positions carry the web's clustering but not the higher bias of massive haloes.
#pragma once

#include <cstdint>
#include <vector>

#include "pipeline/core/flat_grid.hpp"
#include "pipeline/simulate/halo_model_sky.hpp"
#include "pipeline/simulate/lens_planes.hpp"

namespace lofimap::pipeline {

struct SubmeshHaloSettings {
  bool enabled = true;
  double m_min_msun = 1e12;      // lightest halo added
  double smoothing_cells = 1.0;  // the mesh's resolution, in cells, removed from each halo
};

// The haloes of cone (seed, cone_stream) of `planes` over `grid`, from random stream `halo_stream`, each on a
// particle of its plane. `model` must be built for the same cosmology; its sources set kappa_norm.
std::vector<LightconeHalo> place_submesh_haloes(const FlatGrid& grid, const LensPlanes& planes,
                                                const HaloModel& model, std::uint64_t seed,
                                                std::uint64_t cone_stream, std::uint64_t halo_stream);
// Pastes haloes as truncated NFW profiles minus their mass smoothed at the mesh scale.
void paste_compensated_haloes(std::vector<double>& kappa, const FlatGrid& grid, const LensPlanes& planes,
                              const std::vector<LightconeHalo>& haloes, const SubmeshHaloSettings& settings);
// Both: adds the compensated haloes to `kappa` and returns them.
std::vector<LightconeHalo> add_submesh_haloes(std::vector<double>& kappa, const FlatGrid& grid,
                                              const LensPlanes& planes, const HaloModel& model,
                                              const SubmeshHaloSettings& settings, std::uint64_t seed,
                                              std::uint64_t cone_stream, std::uint64_t halo_stream);

}  // namespace lofimap::pipeline
