#include "pipeline/core/product_options.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "io/atomic_output.hpp"
#include "io/output_format.hpp"

namespace lofimap::pipeline {

void validate_noise_options(const NoiseOptions& noise) {
  if (noise.realisations == 1 || noise.realisations < 0 || noise.realisations > 10000)
    throw std::invalid_argument(
        "--noise-realisations: between 2 and 10,000 (a standard deviation needs two)");
}

void check_smoothing(double smoothing_arcmin, double field_side_arcmin, const std::string& field) {
  std::ostringstream s;
  s << "--smooth " << smoothing_arcmin << ": the Gaussian sigma is ";
  if (smoothing_arcmin > 0.5 * field_side_arcmin) {
    s << "larger than half of " << field << " (" << field_side_arcmin << " arcmin across): the map would be "
      << "nearly zero everywhere";
    throw std::invalid_argument(s.str());
  }
  if (smoothing_arcmin > 0.1 * field_side_arcmin) {
    s << "more than a tenth of " << field << " (" << field_side_arcmin
      << " arcmin across): most of the map is "
      << "then within a smoothing length of its edge";
    spdlog::warn("{}", s.str());
  }
}

void require_fits_name(const OutputOptions& output, const std::string& what) {
  if (io::names_hdf5(output.path))
    throw std::invalid_argument("--output " + output.path + ": " + what +
                                " is written as FITS; name it .fits (HDF5 is for HEALPix maps in --regions)");
}

std::string quicklook_path(const std::string& output, const std::string& what) {
  const std::filesystem::path p(output);
  return (p.parent_path() / (p.stem().string() + "_" + what + ".png")).string();
}

void check_product_outputs(const OutputOptions& output, const std::vector<std::string>& companions,
                           const std::vector<std::string>& inputs) {
  std::vector<std::string> all{output.path};
  all.insert(all.end(), companions.begin(), companions.end());
  for (const auto& path : all) {
    io::check_not_an_input(path, inputs);
    io::check_writable(path, output.overwrite);
  }
  io::check_distinct_outputs(all);
}

}  // namespace lofimap::pipeline
