// Where LoFi's tensors live. Every torch path of the pipeline takes one; the torch-free configs carry this
// enum.
#pragma once

#include <string>

namespace lofimap::pipeline {

enum class ComputeDevice {
  Cpu,
  Cuda,  // the GPU given by the node-local rank (one GPU per rank)
};

inline std::string device_name(ComputeDevice d) {
  return d == ComputeDevice::Cuda ? "cuda" : "cpu";
}

}  // namespace lofimap::pipeline
