// The LibTorch side of LofiEvaluator (pipeline/products/lofi_plugin.hpp): a model opened through the network
// seam (models/field_model.hpp) once, evaluated on one input grid (a patch or a region) at a time.
#pragma once

#include <memory>
#include <string>

#include "pipeline/products/lofi_plugin.hpp"

namespace lofimap::pipeline {

std::unique_ptr<LofiEvaluator> open_lofi_evaluator(const std::string& path, ComputeDevice device,
                                                   Precision precision, long batch,
                                                   const distributed::Communicator& comm);

}  // namespace lofimap::pipeline
