// Files lofimap ships beside its executable, found relative to it (bin/../lib, bin/../share/lofimap), the
// same in the build tree and in an installed, relocated tree: the LibTorch plugin and the default LoFi model.
#pragma once

#include <string>

namespace lofimap::pipeline {

// The folder above the running executable's bin/ (the build folder or the install prefix).
std::string installation_root();
// liblofimap_torch.so: $LOFIMAP_TORCH_PLUGIN, else <root>/lib/liblofimap_torch.so when present, else the bare
// name (the dynamic loader's search path).
std::string torch_plugin_path();
// The shipped model <root>/share/lofimap/models/default.pt, or "" when absent.
std::string default_model_path();

}  // namespace lofimap::pipeline
