// The option groups of the map commands (`ks`, `map`), each registered once here and carried as its own
// struct: catalogue, flat grid, regions, noise, output. An option that has no effect in the mode a command
// runs in is refused (exit 2) with a message naming the mode, never accepted and ignored.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "pipeline/catalogue/catalogue_scan.hpp"
#include "pipeline/catalogue/tomographic_bins.hpp"
#include "pipeline/core/product_options.hpp"
#include "pipeline/flat/flat_patch_settings.hpp"
#include "pipeline/survey/region_options.hpp"

namespace lofimap::jobs {

// The options of a group that were registered, for the mode checks.
using OptionList = std::vector<CLI::Option*>;

// -i/--input, --hdu, --preset, --column, --calibration, --m-bias, --flip-e1, --flip-e2, --select,
// --max-invalid-fraction.
// `columns` receives the ROLE=NAME items, which finish_catalogue_options parses into `c`. Returns --input.
CLI::Option* add_catalogue_options(CLI::App* cmd, pipeline::CatalogueOptions& c,
                                   std::vector<std::string>& columns);
// Throws std::invalid_argument naming --column for an item that is not ROLE=NAME.
void finish_catalogue_options(pipeline::CatalogueOptions& c, const std::vector<std::string>& columns);

// --bins COLUMN EDGE0 EDGE1 ... (tomographic bins) into `arguments`; finish_tomographic_bins resolves them
// against the catalogue's preset and --column overrides (after finish_catalogue_options). Returns --bins.
CLI::Option* add_bins_option(CLI::App* cmd, std::vector<std::string>& arguments);
pipeline::TomographicBins finish_tomographic_bins(const std::vector<std::string>& arguments,
                                                  const pipeline::CatalogueOptions& c);

// The preset's redshift column with --column z=NAME applied ("" when it names none).
std::string redshift_column(const pipeline::CatalogueOptions& c);

// --center, --pixel, --npix, --size, --pad of a flat grid. `center` receives RA Dec, which
// finish_flat_options copies into `flat`. `what`: the grid's name in the help ("flat patch", "input (KS)
// grid"); `pixel_default`: what --pixel defaults to, for its help. Returns --center, --npix, --size (which
// describe one patch), --pixel and --pad (also the regions' grids).
OptionList add_flat_options(CLI::App* cmd, pipeline::FlatKsSettings& flat, std::vector<double>& center,
                            const std::string& what, const std::string& pixel_default = "");
void finish_flat_options(pipeline::FlatKsSettings& flat, const std::vector<double>& center);

// --regions (its option is returned first), --margin, --large-scales, --region-memory, --reread-catalogue,
// --task, --resume, --stop-after.
OptionList add_region_options(CLI::App* cmd, pipeline::RegionOptions& regions);
// --noise-realisations, --noise-seed.
OptionList add_noise_options(CLI::App* cmd, pipeline::NoiseOptions& noise);
// -o/--output, --overwrite, --no-png. `what`: the output's description in the help.
void add_output_options(CLI::App* cmd, pipeline::OutputOptions& output, const std::string& what);

// Throws std::invalid_argument for the first option of `options` that was given (on the command line or in a
// --config file): "--margin: <why>".
void refuse_given(const OptionList& options, const std::string& why);

}  // namespace lofimap::jobs
