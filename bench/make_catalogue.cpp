// lofimap-make-catalogue: writes a synthetic shear catalogue (Gaussian haloes, exact flat shear, shape noise)
// in any preset's columns, plus its truth convergence as a flat FITS map. Used by scripts/demo and the
// benchmarks to make inputs of any size without downloads.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "io/atomic_output.hpp"
#include "io/fits_maps.hpp"
#include "pipeline/flat/flat_kaiser_squires.hpp"
#include "pipeline/simulate/synthetic_sky.hpp"

int main(int argc, char** argv) {
  CLI::App app{"lofimap-make-catalogue: synthetic shear catalogue with known truth"};
  std::string out, truth, preset = "cosmos";
  long long n = 0;
  double density = 30, sigma_e = 0.26, ra = 150, dec = 2, pixel = 0.5;
  long npix = 256;
  int haloes = 12;
  std::uint64_t seed = 1;
  bool overwrite = false;
  app.add_option("-o,--output", out, "catalogue FITS file")->required();
  app.add_option("--truth", truth, "truth convergence FITS map (optional)");
  app.add_option("--preset", preset, "column names and sign convention of the output")->capture_default_str();
  app.add_option("-n,--galaxies", n, "number of galaxies (default: density x area)");
  app.add_option("--density", density, "galaxies per arcmin^2")->capture_default_str();
  app.add_option("--sigma-e", sigma_e, "shape noise per component")->capture_default_str();
  app.add_option("--ra", ra, "patch centre RA [deg]")->capture_default_str();
  app.add_option("--dec", dec, "patch centre Dec [deg]")->capture_default_str();
  app.add_option("--pixel", pixel, "truth pixel scale [arcmin]")->capture_default_str();
  app.add_option("--npix", npix, "truth grid pixels per side")->capture_default_str();
  app.add_option("--haloes", haloes, "number of Gaussian haloes")->capture_default_str();
  app.add_option("--seed", seed, "random seed")->capture_default_str();
  app.add_flag("--overwrite", overwrite, "replace existing outputs");
  CLI11_PARSE(app, argc, argv);

  try {
    lofimap::pipeline::set_fftw_threads(2);
    lofimap::pipeline::FlatGrid patch{{ra, dec}, pixel, npix, npix};
    const auto sky =
        lofimap::pipeline::make_synthetic_sky(patch, lofimap::pipeline::random_haloes(patch, haloes, seed));
    const double area = static_cast<double>(npix * npix) * pixel * pixel;
    if (n == 0) n = static_cast<long long>(density * area);
    lofimap::io::AtomicOutput cat_out(out, overwrite);
    lofimap::pipeline::CatalogueWriter writer(cat_out.temp_path(), preset);
    const auto t0 = std::chrono::steady_clock::now();
    lofimap::pipeline::sample_galaxies(sky, n, sigma_e, seed + 1, 1 << 20,
                                       [&](const lofimap::pipeline::GalaxySample& s) { writer.append(s); });
    writer.close();
    cat_out.commit();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("wrote %s: %lld galaxies (%s preset) over %.3f deg^2 in %.1f s\n", out.c_str(), n,
                preset.c_str(), area / 3600.0, secs);
    if (!truth.empty()) {
      lofimap::io::AtomicOutput truth_out(truth, overwrite);
      std::vector<float> k(sky.kappa.begin(), sky.kappa.end());
      lofimap::io::write_flat_fits(truth_out.temp_path(), {ra, dec, pixel, npix, npix},
                                   {{"KAPPA", "", k.data()}},
                                   {{"LMSEED", static_cast<long long>(seed), "random seed"}});
      truth_out.commit();
      std::printf("wrote %s: truth convergence %ld x %ld at %.3f arcmin\n", truth.c_str(), npix, npix, pixel);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lofimap-make-catalogue: %s\n", e.what());
    return 2;
  }
  return 0;
}
