// A particle-mesh N-body simulation of cold dark matter in a periodic box, split over the ranks of a
// communicator: the force mesh in slabs of x planes (FFTW's MPI interface), each particle on the rank whose
// slab holds it, particles handed between ranks (alltoallv) after every drift.
//   initial conditions  Gaussian, from the linear spectrum with baryon wiggles (Eisenstein & Hu 1998), white
//                       noise keyed by lattice plane so that it does not depend on the number of ranks;
//                       second-order Lagrangian displacements (2LPT) and momenta at z_start;
//   time steps          kick-drift-kick, uniform in a, with FastPM's kick and drift factors (Feng et al.
//   2016)
//                       so the large-scale modes grow as the linear D(a) exactly for any number of steps;
//   force               cloud-in-cell painting, Poisson solve with the exact -1/k^2 kernel and spectral
//                       gradient on the mesh, cloud-in-cell interpolation back to the particles.
// Units: Mpc (not Mpc/h); momentum p = a^2 (dx/dt) / H0 (see growth_factors.hpp).
#pragma once

#include <complex>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/simulate/cosmology.hpp"
#include "pipeline/simulate/growth_factors.hpp"

namespace lofimap::pipeline {

struct ParticleMeshSettings {
  double box_mpc = 256;  // side of the periodic box
  long particles = 128;  // per side
  long mesh = 128;       // force mesh per side: equal to `particles`
  int steps = 10;        // kick-drift-kick steps from z_start to z = 0
  double z_start = 9;
  int threads = 1;  // FFTW and loop threads per rank
  std::string describe() const;
};

// Throws std::invalid_argument naming the option.
void validate(const ParticleMeshSettings& s);
// Bytes one rank of `ranks` holds at its peak (meshes, particles with a margin for imbalance).
double particle_mesh_bytes_per_rank(const ParticleMeshSettings& s, int ranks);

class ParticleMesh {
 public:
  // Collective over `comm`; no particles yet.
  ParticleMesh(const distributed::Communicator& comm, const CosmologyParameters& cosmology,
               const ParticleMeshSettings& settings);
  ~ParticleMesh();

  // Linear density contrast at z = 0 on the particle lattice, as a function the caller fills: for each of
  // this rank's lattice planes x (global index) `fill(x, plane)` writes particles^2 values [y * n + z].
  using LinearField = std::function<void(long x, std::span<double> plane)>;
  // 2LPT particles at a_start from a linear field (tests give a plane wave).
  void initial_conditions(const LinearField& delta0);
  // 2LPT particles from a Gaussian field with the wiggle spectrum, white noise from (seed, stream + plane).
  void gaussian_initial_conditions(std::uint64_t seed, std::uint64_t stream);

  // Runs the kick-drift-kick steps to a = 1. `snapshot_a` (ascending, within [a_start, 1]): at each, the
  // positions drifted to that time are handed to `at_snapshot(index, a, positions)` (this rank's, x y z
  // interleaved, in [0, box)); every rank calls it (collective consumers are allowed).
  using Snapshot = std::function<void(std::size_t index, double a, std::span<const double> positions)>;
  void run(const std::vector<double>& snapshot_a, const Snapshot& at_snapshot) {
    run_to(1, snapshot_a, at_snapshot);
  }
  // The same, stopping at a_end (the steps uniform in a from the current time to a_end).
  void run_to(double a_end, const std::vector<double>& snapshot_a, const Snapshot& at_snapshot);

  // The density contrast's modes with |k| < k_max [1/Mpc] that this rank holds, in a fixed order (the same
  // for every call on this object): cross-correlating two calls measures the growth of the same modes, free
  // of cosmic variance and of shot noise (collective: the particles are painted).
  std::vector<std::complex<double>> density_modes(double k_max);
  // Power spectrum of the current particles in `bins` log bins from the fundamental to the mesh's Nyquist
  // (collective): cloud-in-cell window deconvolved, shot noise subtracted. k [1/Mpc], P [Mpc^3].
  struct PowerBin {
    double k = 0, p = 0;
    long modes = 0;
  };
  std::vector<PowerBin> power_spectrum(int bins);

  double a() const { return a_; }
  double a_start() const;
  long local_particles() const { return static_cast<long>(ids_.size()); }
  std::span<const double> positions() const { return positions_; }
  std::span<const double> momenta() const { return momenta_; }
  std::span<const std::uint64_t> ids() const { return ids_; }
  const GrowthFactors& growth() const { return growth_; }
  const Cosmology& cosmology() const { return cosmology_; }
  const ParticleMeshSettings& settings() const { return settings_; }

 private:
  struct Mesh;
  void exchange();        // particles to the rank that holds their force-mesh plane
  void paint_density();   // contrast on the force mesh, transformed to Fourier space
  void compute_forces();  // accelerations_ at the particles
  void paint(std::span<const double> positions);

  distributed::Communicator comm_;
  Cosmology cosmology_;
  ParticleMeshSettings settings_;
  GrowthFactors growth_;
  std::unique_ptr<Mesh> mesh_;
  double a_ = 0;
  std::vector<double> positions_, momenta_, accelerations_;
  std::vector<std::uint64_t> ids_;
};

}  // namespace lofimap::pipeline
