#include "pipeline/products/lofi_map_product.hpp"

#include "pipeline/products/lofi_plugin.hpp"
#include "pipeline/products/patch_lofi_map.hpp"
#include "pipeline/products/region_lofi_map.hpp"

namespace lofimap::pipeline {

ProductReport run_lofi_map(const MapConfig& config, const distributed::Communicator& comm) {
  config.validate();  // before LibTorch is loaded: a bad option costs milliseconds, not the plugin's start
  const auto model = lofi_plugin().open_model(config.model_path(), config.model.device, config.model.precision,
                                              config.model.batch, comm);
  return config.regions.enabled() ? run_region_lofi_map(config, *model, comm)
                                  : run_patch_lofi_map(config, *model, comm);
}

}  // namespace lofimap::pipeline
