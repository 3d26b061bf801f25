// The C ABI of liblofimap_torch.so, resolved with dlsym by compute_runtime.cpp. Plain C types only, so the
// loader needs no torch headers.
#pragma once

extern "C" {
void lofimap_torch_set_threads(int n);
int lofimap_torch_get_threads();
const char* lofimap_torch_version();
int lofimap_torch_cuda_device_count();  // 0 when CUDA is not available
}
