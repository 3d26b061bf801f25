// Families of simulated convergence skies for training and judging learned maps: Gaussian random fields,
// lognormal fields, halo-model skies (haloes above ~3e12 Msun on a Gaussian background) and lognormal fields
// with massive clusters (haloes above 1e14 Msun on a lognormal background), and particle-mesh light cones (a
// cosmic web: Born convergence through replicated N-body boxes, many cones per box). Each map draws its own
// lognormal shift, source redshift, sigma8 and Omega_m from the ranges given, so a model learns a family
// rather than one point of it; the total power is the Limber/halofit C_ell of the map's own cosmology.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/core/angular_spectrum.hpp"
#include "pipeline/core/field_pair.hpp"
#include "pipeline/core/flat_grid.hpp"
#include "pipeline/simulate/cosmology.hpp"
#include "pipeline/simulate/halo_model_sky.hpp"
#include "pipeline/simulate/lens_planes.hpp"
#include "pipeline/simulate/particle_mesh.hpp"
#include "pipeline/simulate/submesh_haloes.hpp"

namespace lofimap::pipeline {

enum class SkyFamily { gaussian, lognormal, halo_model, lognormal_clusters, particle_mesh };
// Names on the command line and in files: gaussian, lognormal, halo-model, lognormal-clusters, particle-mesh.
std::string family_name(SkyFamily family);
SkyFamily parse_sky_family(const std::string& name);  // std::invalid_argument naming --family

struct ValueRange {
  double min = 0, max = 0;
  bool fixed() const { return min == max; }
};

struct SkyFamilySettings {
  std::vector<SkyFamily> families{SkyFamily::gaussian};  // map i is of family families[i % size]
  ValueRange lambda{0.02, 0.02};                         // lognormal shift (lognormal families)
  // The spectrum: a fixed table (--cl-file; Gaussian and lognormal families only) or the Limber spectrum of
  // a cosmology whose sigma8 and Omega_m, and a source plane whose redshift, are drawn per map.
  std::optional<AngularSpectrum> fixed_cl;
  CosmologyParameters cosmology;  // base; sigma8 and omega_m replaced by draws from the ranges below
  ValueRange sigma8{0.8159, 0.8159}, omega_m{0.3089, 0.3089}, z_source{1.0, 1.0};
  std::optional<SourceDistribution> nz;  // a fixed n(z) instead of a source plane
  double halo_min_mass = 3e12;           // halo-model family: lighter haloes stay in the background
  double cluster_min_mass = 1e14;        // lognormal + clusters family
  // Particle-mesh family: one box per `cones_per_box` consecutive particle-mesh maps (its sigma8 and Omega_m
  // drawn per box), each map a cone of its own orientations; the planes reach the furthest source of the
  // ranges.
  ParticleMeshSettings particle_mesh;
  LightconeSettings lightcone;
  SubmeshHaloSettings submesh_haloes;
  long cones_per_box = 50;
  // Particle-mesh cones with an n(z): also give the fields of single source planes (take_source_planes), for
  // catalogues whose galaxies each have their own redshift.
  bool source_planes = false;
};

// Convergence and shear of one cone for single source planes at redshifts z (ascending, the first 0).
struct SourcePlaneFields {
  std::vector<double> z;
  std::vector<std::vector<double>> kappa, gamma1, gamma2;
};

// Throws std::invalid_argument naming the option.
void validate(const SkyFamilySettings& settings);

struct SkyParameters {
  SkyFamily family = SkyFamily::gaussian;
  double lambda = 0, sigma8 = 0, omega_m = 0, z_source = 0;
  long haloes = 0;
};

// Draws skies; keeps the spectra and halo models of the last parameters it saw (all maps share them when
// every range is fixed).
class SkyFamilySampler {
 public:
  explicit SkyFamilySampler(SkyFamilySettings settings);
  ~SkyFamilySampler();
  // Map `index`: its parameters from random stream `parameter_stream`, the field from `field_stream`, a
  // halo light cone from `halo_stream`.
  std::vector<double> draw(const FlatGrid& grid, long index, std::uint64_t seed,
                           std::uint64_t parameter_stream, std::uint64_t field_stream,
                           std::uint64_t halo_stream, SkyParameters& drawn);
  const SkyFamilySettings& settings() const { return settings_; }
  // The shear of the last map when the family gives one of its own (particle-mesh cones are not periodic:
  // their shear comes from the convergence on a grid twice as wide, cropped); empty for periodic families,
  // whose shear is the periodic forward model of the map.
  std::optional<FlatFieldPair> take_shear() { return std::exchange(last_shear_, std::nullopt); }
  // The last map's source planes when settings().source_planes asked for them.
  std::optional<SourcePlaneFields> take_source_planes() { return std::exchange(last_planes_, std::nullopt); }
  // Particle-mesh boxes this sampler has simulated (a box is simulated again when its maps are not drawn
  // one after another).
  long boxes_simulated() const { return boxes_simulated_; }

 private:
  struct Models;
  Models& models_for(double sigma8, double omega_m, double z_source, const FlatGrid& grid);
  std::vector<double> draw_particle_mesh(const FlatGrid& grid, long index, std::uint64_t seed,
                                         std::uint64_t cone_stream, SkyParameters& drawn);
  SkyFamilySettings settings_;
  std::unique_ptr<Models> cached_;
  // The box of the particle-mesh maps [box_index_ * cones_per_box, ...), counted among particle-mesh maps.
  std::unique_ptr<LensPlanes> box_;
  long box_index_ = -1;
  long boxes_simulated_ = 0;
  std::unique_ptr<HaloModel> box_haloes_;  // its sub-mesh haloes, for the sources of box_haloes_z_
  double box_haloes_z_ = -1;
  std::optional<FlatFieldPair> last_shear_;
  std::optional<SourcePlaneFields> last_planes_;
};

}  // namespace lofimap::pipeline
