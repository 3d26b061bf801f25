// Where LoFi's tensors live. Every torch path of the pipeline takes one; the torch-free configs carry this
// enum.
#pragma once

#include <string>

#include "pipeline/core/enum_names.hpp"

namespace lofimap::pipeline {

enum class ComputeDevice {
  Cpu,
  Cuda,  // the GPU given by the node-local rank (one GPU per rank)
};

inline const EnumNames<ComputeDevice>& device_names() {
  static const EnumNames<ComputeDevice> names = {{"cpu", ComputeDevice::Cpu}, {"cuda", ComputeDevice::Cuda}};
  return names;
}

// The arithmetic of LoFi's forward passes. Fp32: float32 throughout. Tf32 (CUDA only): matrix products and
// convolutions on TensorFloat-32 units (10-bit mantissa inputs, float32 accumulation). Bf16: autocast, so
// that matrix products run in bfloat16 while FFTs, sampling and reductions stay float32.
enum class Precision { Fp32, Tf32, Bf16 };

inline const EnumNames<Precision>& precision_names() {
  static const EnumNames<Precision> names = {
      {"fp32", Precision::Fp32}, {"tf32", Precision::Tf32}, {"bf16", Precision::Bf16}};
  return names;
}

inline std::string precision_name(Precision p) {
  return name_of(precision_names(), p);
}

}  // namespace lofimap::pipeline
