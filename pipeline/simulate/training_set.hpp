// Training sets for LoFi: many simulated maps (of one or several sky families, see sky_family.hpp) of truth
// convergence, noisy binned shear, its Kaiser-Squires E/B estimate, the mask and the galaxy counts, written
// to HDF5 (io/hdf5_training_set.hpp). Map i is a pure function of (seed, i), so a set is identical bit for
// bit whatever the number of ranks that wrote it. Ranks take maps i = rank, rank + size, ..., except that
// each takes a contiguous run of the particle-mesh maps, so that a box is not simulated by every rank
// (map_dealing.hpp), and write them collectively.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/simulate/cosmology.hpp"
#include "pipeline/simulate/flat_random_fields.hpp"
#include "pipeline/simulate/footprint_sampling.hpp"
#include "pipeline/simulate/sky_family.hpp"

namespace lofimap::pipeline {

struct TrainingSetConfig {
  long maps = 100;
  FlatGrid grid = FlatGrid::square(256, 0.5);
  SkyFamilySettings sky;                                // which skies: families, spectra, parameter ranges
  std::string cl_description;                           // how the spectrum is made (stored as an attribute)
  double n_gal_min = 30, n_gal_max = 30;                // galaxies per arcmin^2, drawn uniformly per map
  double sigma_e_min = 0.26, sigma_e_max = 0.26;        // shape noise per component, drawn uniformly per map
  std::string footprint, footprint_preset = "generic";  // observe through a real catalogue's footprint
  double masked_fraction = 0;  // random circular holes (bright-star masks) covering about this fraction
  bool reduced_shear = false;
  double pad = 2;  // KS zero padding
  std::uint64_t seed = 1;
  std::string output;
  bool overwrite = false;
  std::string command_line;
};

void validate(const TrainingSetConfig& config);

struct TrainingMapData {
  std::vector<float> kappa, shear, ks, counts;  // shear and ks: two planes
  std::vector<std::uint8_t> mask;
  float sigma_e = 0, n_gal = 0;
  SkyParameters sky;  // the family and parameters this map drew
};

// Map `index` of the set (deterministic in seed and index). The sampler keeps spectra and halo models
// between maps; the overload without one makes its own.
// With a footprint (load_footprint(config.footprint, ...)), galaxies are the catalogue's own, their noise its
// rotated ellipticities; n_gal and sigma_e are the catalogue's.
TrainingMapData simulate_training_map(SkyFamilySampler& sampler, const TrainingSetConfig& config, long index,
                                      const FootprintCatalogue* footprint = nullptr);
TrainingMapData simulate_training_map(const TrainingSetConfig& config, long index);

struct TrainingSetReport {
  double seconds = 0;
  long maps_written_here = 0;
  long boxes_simulated_here = 0;  // particle-mesh boxes
};

TrainingSetReport write_training_set(const TrainingSetConfig& config, const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
