#include "pipeline/products/training_range_check.hpp"

#include <cstdio>
#include <vector>

namespace lofimap::pipeline {

std::string training_range_warning(const models::LofiOptions& model, const std::string& what, double ngal,
                                   double sigma_e, double pixel) {
  std::string out;
  const auto check = [&](const char* name, double value, const std::vector<double>& range, const char* unit) {
    if (range.size() != 2 || value < 0 || (value >= range[0] && value <= range[1])) return;
    char text[200];
    std::snprintf(text, sizeof text, "%s%s %.4g%s outside the training range [%.4g, %.4g]",
                  out.empty() ? "" : "; ", name, value, unit, range[0], range[1]);
    out += text;
  };
  check("n_gal", ngal, model.train_ngal_range, "/arcmin^2");
  check("sigma_e", sigma_e, model.train_sigma_e_range, "");
  check("input pixel", pixel, model.train_pixel_range, "'");
  return out.empty() ? out : what + ": " + out + " (the network extrapolates there; its map may be biased)";
}

}  // namespace lofimap::pipeline
