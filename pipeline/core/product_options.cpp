#include "pipeline/core/product_options.hpp"

#include <filesystem>
#include <stdexcept>

#include "io/atomic_output.hpp"

namespace lofimap::pipeline {

void validate_noise_options(const NoiseOptions& noise) {
  if (noise.realisations == 1 || noise.realisations < 0 || noise.realisations > 10000)
    throw std::invalid_argument("--noise-realisations: between 2 and 10,000 (a standard deviation needs two)");
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
