// `lofimap simulate` as a pipeline: the convergence spectrum (Limber or a table), flat or HEALPix truth
// fields (Gaussian or lognormal, NFW haloes), galaxy catalogues in any preset, written atomically with
// quick-looks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pipeline/simulate/lens_planes.hpp"
#include "pipeline/simulate/particle_mesh.hpp"
#include "pipeline/simulate/cosmology.hpp"
#include "pipeline/simulate/flat_random_fields.hpp"
#include "pipeline/simulate/galaxy_sampling.hpp"
#include "pipeline/simulate/nfw_halo.hpp"
#include "pipeline/simulate/sky_mask.hpp"

namespace lofimap::pipeline {

struct SpectrumOptions {
  std::string cl_file;            // a table (ell, C_ell); else the Limber integral below
  std::string cosmology = "tng";  // tng (Planck 2015 / IllustrisTNG) or massivenus; overridden per parameter
  std::optional<double> omega_m, omega_b, h, n_s, sigma8, a_s;
  double z_source = 1.0;
  std::string nz_file;  // n(z) table instead of a single source plane
};

CosmologyParameters resolve_cosmology(const SpectrumOptions& options);
// Spectrum covering [lmin, lmax]; `description` says how it was made (for provenance).
AngularSpectrum make_spectrum(const SpectrumOptions& options, double lmin, double lmax,
                              std::string& description);

struct FieldOptions {
  SpectrumOptions spectrum;
  bool sphere = false;
  FlatGrid grid = FlatGrid::square(256, 1.0);  // centre: the patch centre on the sky (--center)
  long nside = 256;
  int lmax = 0;
  double lambda = 0;  // lognormal shift (0 = Gaussian)
  // "particle-mesh" (a light cone through an N-body box), "halo-model" (haloes above halo_min_mass on a Gaussian background) or "lognormal-clusters" (haloes above
  // 1e14 Msun on a lognormal background of shift lambda), flat or sphere; empty: Gaussian or lognormal.
  std::string family;
  double halo_min_mass = 3e12;
  ParticleMeshSettings particle_mesh;  // "particle-mesh": the box of the light cone (flat only)
  LightconeSettings lightcone;
  // Sphere, halo families: haloes drawn in this cap (RA, Dec, radius [deg]); empty: the catalogue's --disc
  // widened by 1 deg, else the whole sky.
  std::vector<double> halo_cap;
  std::vector<NfwHalo> haloes;  // flat only
  std::uint64_t seed = 1;
};

struct CatalogueSimOptions {
  double density = 30;  // galaxies per arcmin^2
  ShapeNoise noise;
  SkyMaskSpec mask;
  std::string preset = "generic";
};

struct SimulateRequest {
  FieldOptions field;
  std::optional<CatalogueSimOptions> catalogue;  // absent: field only
  std::string truth_output;  // FITS (flat images or HEALPix table); may be empty when a catalogue is written
  std::string catalogue_output;  // FITS catalogue
  std::string halo_list_output;  // sphere, halo families: FITS table of the pasted haloes (may be empty)
  bool overwrite = false;
  bool png = true;
  std::string command_line;
};

struct SimulateReport {
  std::vector<std::string> written;
  std::string summary;
};

SimulateReport run_simulate(const SimulateRequest& request);

// Writes the spectrum table (ell, C_ell) for `lofimap simulate cl`.
std::string write_spectrum_table(const SpectrumOptions& options, double lmin, double lmax, int points,
                                 const std::string& output, bool overwrite);

}  // namespace lofimap::pipeline
