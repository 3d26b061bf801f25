// The Wiener filter's prior C_ell for `ks --wiener`: a table given by the user, or "limber": the Limber
// convergence spectrum of the Planck 2015 cosmology (halofit) for the n(z) histogram of the catalogue's
// redshift column over the rows mapped, so that every tomographic bin is filtered with its own prior.
#pragma once

#include <string>
#include <vector>

#include "pipeline/catalogue/catalogue_scan.hpp"
#include "pipeline/core/angular_spectrum.hpp"

namespace lofimap::pipeline {

// The keyword of --wiener that asks for the Limber prior.
inline constexpr const char* kLimberPrior = "limber";

// The prior for one map: `wiener` is a C_ell table's path, or kLimberPrior with `catalogue.histogram`
// filled (CatalogueOptions::histogram_column); `description` receives what it was. Throws
// std::invalid_argument naming --wiener when the histogram is empty.
AngularSpectrum wiener_prior(const std::string& wiener, const CatalogueSummary& catalogue,
                             const CatalogueOptions& options, std::string& description);

}  // namespace lofimap::pipeline
