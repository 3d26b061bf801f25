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

// The arithmetic of LoFi's forward passes. Fp32: float32 throughout. Tf32 (CUDA only): matrix products and
// convolutions on TensorFloat-32 units (10-bit mantissa inputs, float32 accumulation). Bf16: autocast, so
// that matrix products run in bfloat16 while FFTs, sampling and reductions stay float32.
enum class Precision { Fp32, Tf32, Bf16 };

inline std::string precision_name(Precision p) {
  return p == Precision::Tf32 ? "tf32" : p == Precision::Bf16 ? "bf16" : "fp32";
}

}  // namespace lofimap::pipeline
