// Run at 1, 2 and 4 ranks: a particle-mesh box split over the ranks (slabs of the mesh, particles handed
// between ranks after every drift) gives the particles, the lens planes and the cones' convergence of a
// single process (MPI_COMM_SELF, the same code with one slab), to rounding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "distributed/communicator.hpp"
#include "pipeline/simulate/lens_planes.hpp"
#include "pipeline/simulate/particle_mesh.hpp"

namespace lofimap::pipeline {
namespace {

ParticleMeshSettings box_settings() {
  ParticleMeshSettings s;
  s.box_mpc = 64, s.particles = s.mesh = 16, s.steps = 4, s.z_start = 9;
  return s;
}

// Every particle's position, by id, gathered on every rank.
std::vector<double> positions_by_id(const distributed::Communicator& comm, const ParticleMesh& pm) {
  std::vector<double> packed;
  for (long i = 0; i < pm.local_particles(); ++i) {
    packed.push_back(static_cast<double>(pm.ids()[static_cast<size_t>(i)]));
    for (int d = 0; d < 3; ++d) packed.push_back(pm.positions()[static_cast<size_t>(3 * i + d)]);
  }
  const auto all = comm.allgatherv(std::span<const double>(packed));
  std::vector<double> out(all.size() / 4 * 3);
  for (size_t i = 0; i < all.size() / 4; ++i)
    for (size_t d = 0; d < 3; ++d) out[3 * static_cast<size_t>(all[4 * i]) + d] = all[4 * i + 1 + d];
  return out;
}

TEST(ParticleMeshRanks, ParticlesMatchASingleProcess) {
  const auto world = distributed::Communicator::world();
  const auto p = planck2015_tng();
  ParticleMesh split(world, p, box_settings()), single(distributed::Communicator::self(), p, box_settings());
  split.gaussian_initial_conditions(11, 0);
  single.gaussian_initial_conditions(11, 0);
  split.run({}, {});
  single.run({}, {});
  const auto a = positions_by_id(world, split),
             b = positions_by_id(distributed::Communicator::self(), single);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(a.size(), 3u * 16 * 16 * 16);
  double worst = 0, moved = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double d = a[i] - b[i];
    d -= 64 * std::round(d / 64);
    worst = std::max(worst, std::abs(d));
  }
  // The particles did move (a few Mpc); the split run agrees to rounding.
  for (long i = 0; i < single.local_particles(); ++i) {
    const auto id = static_cast<long>(single.ids()[static_cast<size_t>(i)]);
    double d = single.positions()[static_cast<size_t>(3 * i)] - static_cast<double>(id / 256) * 4.0;
    d -= 64 * std::round(d / 64);
    moved = std::max(moved, std::abs(d));
  }
  EXPECT_GT(moved, 1.0);
  EXPECT_LT(worst, 1e-6);
  const auto pa = split.power_spectrum(6), pb = single.power_spectrum(6);
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_NEAR(pa[i].p, pb[i].p, 1e-6 * std::abs(pb[i].p));
}

TEST(ParticleMeshRanks, ConesMatchASingleProcess) {
  const auto world = distributed::Communicator::world();
  const auto p = planck2015_tng();
  LightconeSettings cone;
  cone.z_max = 0.5;
  const auto split = LensPlanes::simulate(world, p, box_settings(), cone, 5, 0);
  const auto single = LensPlanes::simulate(distributed::Communicator::self(), p, box_settings(), cone, 5, 0);
  ASSERT_EQ(split.planes().size(), single.planes().size());
  const auto grid = FlatGrid::square(32, 2.0);
  SourceDistribution s;
  s.z_single = 0.5;
  for (std::uint64_t c : {0u, 1u}) {
    const auto a = split.convergence(grid, s, 5, c), b = single.convergence(grid, s, 5, c);
    double rms = 0, worst = 0;
    for (size_t i = 0; i < a.size(); ++i) rms += b[i] * b[i], worst = std::max(worst, std::abs(a[i] - b[i]));
    rms = std::sqrt(rms / static_cast<double>(a.size()));
    EXPECT_GT(rms, 1e-4);
    EXPECT_LT(worst, 1e-6 * rms) << "cone " << c;
  }
}

}  // namespace
}  // namespace lofimap::pipeline
