// Halo-model convergence skies: haloes drawn in a light cone from the Tinker et al. (2008) mass function,
// with Duffy et al. (2008) concentrations, pasted as truncated NFW convergence profiles (sub-pixel
// integration near each centre) onto a periodic flat grid, plus a background field (Gaussian or lognormal)
// carrying the rest of the Limber/halofit power: C_background = max(C_halofit - C_one_halo, 0), where
// C_one_halo is the Poisson (one-halo) power of the pasted haloes computed from the same profiles. The halo
// field has its expected mean removed, so the sky has mean zero like the background alone.
// What this leaves out: haloes sit at random positions (no two-halo clustering between them or with the
// background, which carries that power as an uncorrelated field); profiles are spherical.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "pipeline/core/angular_spectrum.hpp"
#include "pipeline/core/flat_grid.hpp"
#include "pipeline/simulate/cosmology.hpp"
#include "pipeline/simulate/halo_mass_function.hpp"

namespace lofimap::pipeline {

struct HaloModelSettings {
  double m_min_msun = 3e12;  // M200m; the power of lighter haloes is carried by the background field
  double m_max_msun = 3e15;
  double dex_per_bin = 0.05;  // mass bins in which counts are drawn
  int z_slices = 40;          // light-cone slices, uniform in comoving distance, up to the furthest source
};

// One halo of a light cone: mass, redshift, and the projected profile it gives on the sky.
struct LightconeHalo {
  double m200m_msun = 0, z = 0, concentration = 0;
  double theta_t_arcmin = 0;  // truncation radius r200m on the sky
  double kappa_norm = 0;  // 2 rho_s r_s / Sigma_crit(z, sources): kappa = kappa_norm F(theta / theta_t, c)
  double x_pix = 0, y_pix = 0;     // position on a flat grid, in fractional pixel indices
  double ra_deg = 0, dec_deg = 0;  // position on the sphere
};

class RandomStream;

// Mean of (chi_s - chi_l) / chi_s over the sources behind a lens at z_lens (zero in front of it); an n(z) by
// trapezoids of its table.
double lensing_efficiency(const Cosmology& cosmo, const SourceDistribution& sources, double z_lens);

class HaloModel {
 public:
  HaloModel(const Cosmology& cosmo, const SourceDistribution& sources,
            const HaloModelSettings& settings = {});

  // Expected number of haloes per steradian in the mass and redshift range.
  double haloes_per_sr() const { return total_per_sr_; }
  // One-halo (Poisson) convergence power of the haloes at these multipoles, and their mean convergence,
  // counting haloes whose angular radius is at most `max_theta_arcmin` (by the centre of each mass and
  // redshift bin).
  std::vector<double> one_halo_cl(const std::vector<double>& ells, double max_theta_arcmin = 1e300) const;
  double mean_kappa(double max_theta_arcmin = 1e300) const;
  // Haloes larger than this fraction of a grid's side are not pasted on it (a periodic field cannot hold
  // them); their power stays in the background.
  static constexpr double kMaxRadiusPerSide = 0.4;
  static double max_theta_arcmin(const FlatGrid& grid);
  // A light cone over the grid's area: Poisson counts per (z, M) bin, mass from the mass function within its
  // bin, comoving volume uniform within its slice, positions uniform on the grid; haloes larger than
  // max_theta_arcmin(grid) left out.
  std::vector<LightconeHalo> draw(const FlatGrid& grid, std::uint64_t seed, std::uint64_t stream) const;
  // The same over any area: `place` gives each kept halo its position, drawing from the same stream right
  // after its mass and redshift (the flat draw above is this with uniform grid positions).
  using Placement = std::function<void(LightconeHalo&, RandomStream&)>;
  std::vector<LightconeHalo> draw_in(double area_sr, double max_theta_arcmin, std::uint64_t seed,
                                     std::uint64_t stream, const Placement& place) const;
  // Expected counts per mass bin (summed over redshift) and per redshift slice, over `area_sr`: for the
  // histograms against the mass function.
  struct Bin {
    double low, high, expected;
  };
  std::vector<Bin> expected_mass_histogram(double area_sr) const;
  std::vector<Bin> expected_redshift_histogram(double area_sr) const;

 private:
  struct CellInfo {
    int slice, mass_bin;
    double per_sr;         // expected haloes per steradian in this cell
    LightconeHalo centre;  // the halo at the cell centre (for the power spectrum)
  };
  LightconeHalo make_halo(double m, double z) const;

  Cosmology cosmo_;
  SourceDistribution sources_;
  HaloModelSettings settings_;
  HaloMassFunction mass_function_;
  std::vector<double> slice_chi_edges_, mass_edges_;
  std::vector<CellInfo> cells_;
  double total_per_sr_ = 0;
};

// Adds the haloes' convergence to a periodic field on the grid (each profile wraps around the edges).
void paste_haloes(std::vector<double>& kappa, const FlatGrid& grid, const std::vector<LightconeHalo>& haloes);

enum class BackgroundField { gaussian, lognormal };

struct HaloSky {
  std::vector<double> kappa;
  std::vector<LightconeHalo> haloes;
  AngularSpectrum background_cl;
};

// A halo-model sky on a periodic grid: haloes from `model`, the background with the power `total_cl` lacks,
// the halo field's expected mean removed. `lambda` is the lognormal background's shift. The background draws
// from random stream `field_stream`, the light cone from `halo_stream`.
HaloSky halo_model_sky(const HaloModel& model, const AngularSpectrum& total_cl, const FlatGrid& grid,
                       BackgroundField background, double lambda, std::uint64_t seed,
                       std::uint64_t field_stream, std::uint64_t halo_stream);

}  // namespace lofimap::pipeline
