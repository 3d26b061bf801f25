// Lens planes from a particle-mesh box and Born-approximation convergence through a light cone of replicated
// boxes. The line of sight is cut into slabs of thickness box / slabs_per_box; slab j (comoving distance
// [j, j + 1) times the thickness) is the particles' projected density at the time a(chi) of its middle,
// drifted there inside the kick-drift-kick step that contains it. Each box length of the cone is one replica
// of the box with its own random orientation: which axis runs along the line of sight (3), the order of the
// other two (2), a flip of each axis (8), a shift across the sky (continuous) and along the line of sight (by
// whole slabs). Every orientation is an exact symmetry of the periodic box, so one box gives many cones that
// differ plane by plane. The projections of every slab along every axis are kept (3 x slabs_per_box maps of
// plane_pixels^2 per plane), so a cone costs one bilinear look-up per pixel and plane.
// Born convergence: kappa(theta) = sum_j w_j delta_j(chi_j theta), with
//   w_j = (3/2) Omega_m (H0/c)^2 int_slab dchi chi g(chi) / a(chi),  g(chi) = int dchi_s n(chi_s) (chi_s -
//   chi) / chi_s,
// the flat-sky small-angle form (transverse position chi_j theta at the slab's middle distance).
// What this leaves out: structure below the mesh scale (no sub-mesh haloes are added) and modes longer than
// the box; the box repeats across the sky when a field is wider than box / chi.
#pragma once

#include <cstdint>
#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/core/flat_grid.hpp"
#include "pipeline/simulate/cosmology.hpp"
#include "pipeline/simulate/particle_mesh.hpp"

namespace lofimap::pipeline {

class RandomStream;

struct LightconeSettings {
  int slabs_per_box = 2;  // lens planes per box length
  long plane_pixels = 0;  // projection grid per side; 0: the mesh size
  double z_max = 3;       // the planes reach this redshift (the furthest source)
};

// Throws std::invalid_argument naming the option.
void validate(const LightconeSettings& s);

class LensPlanes {
 public:
  struct Plane {
    double chi_low = 0, chi_high = 0, chi_mid = 0, a = 0;
    std::vector<float> contrast;  // [axis * slabs + slab][t0 * n + t1], projected density contrast
    std::vector<float> sample;    // x y z [Mpc] of a random subsample of the particles at the plane's time
  };
  // How one replica of the box is laid along a cone: the axis along the line of sight, the order of the other
  // two, flips, shifts across the sky [Mpc] and along the line of sight [slabs].
  struct Orientation {
    int axis = 0, los_shift = 0;
    bool swap = false, flip0 = false, flip1 = false, flip_los = false;
    double shift0 = 0, shift1 = 0;
  };
  // Particles kept per plane for placing sub-mesh haloes on the cosmic web.
  static constexpr long kSampleParticles = 65536;

  // Runs the box (collective over `comm`): Gaussian initial conditions from (seed, stream), snapshots at the
  // planes' times, projections summed over the ranks.
  static LensPlanes simulate(const distributed::Communicator& comm, const CosmologyParameters& cosmology,
                             const ParticleMeshSettings& pm, const LightconeSettings& cone,
                             std::uint64_t seed, std::uint64_t stream);
  // The planes of an existing run (the particles are drifted to each plane's time by `pm.run`); collective.
  LensPlanes(const distributed::Communicator& comm, ParticleMesh& pm, const LightconeSettings& cone);

  // Planes given directly (tests): plane j must cover [j, j + 1) box / slabs_per_box with 3 x slabs_per_box
  // maps of plane_pixels^2 each.
  LensPlanes(const Cosmology& cosmology, double box, long plane_pixels, int slabs_per_box, double z_max,
             std::vector<Plane> planes);

  // Born convergence on a flat grid for sources `sources`, in the cone whose replica orientations come from
  // (seed, cone_stream). Sources beyond the planes (z > z_max) are refused (std::invalid_argument).
  std::vector<double> convergence(const FlatGrid& grid, const SourceDistribution& sources, std::uint64_t seed,
                                  std::uint64_t cone_stream) const;
  // The orientations of cone (seed, cone_stream): one per box length along the line of sight.
  std::vector<Orientation> cone(std::uint64_t seed, std::uint64_t cone_stream, std::size_t planes) const;
  // The projected contrast of plane j at sky position (x, y) [rad] in a cone whose replica has orientation o.
  double contrast(std::size_t j, const Orientation& o, double x_rad, double y_rad) const;
  // A particle of plane j's sample that falls inside the grid in orientation o (its fractional pixel
  // position), drawn by up to `tries` uniform picks; false when none was found.
  bool sample_particle(std::size_t j, const Orientation& o, const FlatGrid& grid, RandomStream& rng,
                       int tries, double& x_pix, double& y_pix) const;
  // The plane holding comoving distance chi (the last when beyond).
  std::size_t plane_at(double chi) const;

  // Per-plane Born weights w_j for these sources (for tests and the Limber comparison).
  std::vector<double> weights(const SourceDistribution& sources) const;

  const std::vector<Plane>& planes() const { return planes_; }
  const Cosmology& cosmology() const { return cosmology_; }
  double box() const { return box_; }
  long plane_pixels() const { return n_; }
  int slabs_per_box() const { return slabs_; }
  double z_max() const { return z_max_; }

 private:
  Cosmology cosmology_;
  double box_ = 0, z_max_ = 0;
  long n_ = 0;
  int slabs_ = 0;
  std::vector<Plane> planes_;
};

}  // namespace lofimap::pipeline
