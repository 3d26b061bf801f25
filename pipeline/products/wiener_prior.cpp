#include "pipeline/products/wiener_prior.hpp"

#include <cstdio>
#include <stdexcept>

#include "pipeline/simulate/cosmology.hpp"

namespace lofimap::pipeline {

AngularSpectrum wiener_prior(const std::string& wiener, const CatalogueSummary& catalogue,
                             const CatalogueOptions& options, std::string& description) {
  if (wiener != kLimberPrior) {
    description = wiener;
    return read_cl_table(wiener);
  }
  const auto& h = catalogue.histogram;
  size_t last = h.size();
  while (last > 0 && !(h[last - 1] > 0)) --last;
  if (last == 0)
    throw std::invalid_argument("--wiener limber: no galaxy has a redshift in [0, " +
                                std::to_string(options.histogram_max) + ") in column '" +
                                options.histogram_column + "'");
  // n(z) at the bin centres, tied to zero at z = 0 and at the upper edge of the last occupied bin.
  const double width = options.histogram_max / static_cast<double>(h.size());
  SourceDistribution sources;
  sources.z.push_back(0), sources.n.push_back(0);
  for (size_t b = 0; b < last; ++b)
    sources.z.push_back((static_cast<double>(b) + 0.5) * width), sources.n.push_back(h[b]);
  sources.z.push_back(static_cast<double>(last) * width), sources.n.push_back(0);
  double mean = 0, total = 0;
  for (size_t b = 0; b < last; ++b) mean += h[b] * (static_cast<double>(b) + 0.5) * width, total += h[b];
  char text[200];
  std::snprintf(text, sizeof text,
                "limber: Planck 2015 halofit, n(z) of column %s (mean z %.3f, %zu bins of %.3f)",
                options.histogram_column.c_str(), mean / total, last, width);
  description = text;
  return convergence_cl_limber(Cosmology(planck2015_tng()), sources, log_ell_grid(1, 1e5, 300));
}

}  // namespace lofimap::pipeline
