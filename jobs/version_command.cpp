// `lofimap version`: what this build is and what it runs on (libraries, BLAS, CUDA/NCCL availability).
#include <spdlog/spdlog.h>

#include <cstdio>

#include "distributed/communicator.hpp"
#include "io/library_versions.hpp"
#include "jobs/command.hpp"
#include "lofimap/build_info.hpp"
#include "pipeline/products/lofi_plugin.hpp"
#include "pipeline/products/resource_paths.hpp"

namespace lofimap::jobs {

void register_version(CLI::App& app, const GlobalOptions&, Action& action) {
  auto* cmd = app.add_subcommand("version", "print versions of lofimap and the libraries it uses");
  cmd->callback([&action] {
    action = [] {
      const auto blas = pipeline::loaded_blas();
      const auto torch = pipeline::lofi_plugin().runtime();
      const std::string model = pipeline::default_model_path();
      std::printf("lofimap %s (git %s)\n", LOFIMAP_VERSION, LOFIMAP_GIT_HASH);
      std::printf("  plugin    %s\n", pipeline::torch_plugin_path().c_str());
      std::printf("  model     %s\n", model.empty() ? "(no default model installed)" : model.c_str());
      std::printf("  LibTorch  %s, %d intra-op threads\n", torch.torch_version.c_str(), torch.threads);
      std::printf("  HEALPix   %s\n", LOFIMAP_HEALPIX_VERSION);
      std::printf("  CFITSIO   %s\n", io::cfitsio_version().c_str());
      std::printf("  HDF5      %s\n", io::hdf5_version().c_str());
      std::printf("  MPI       %s\n", distributed::mpi_library_version().c_str());
      std::printf("  BLAS      %s\n", blas.path.empty() ? "(none loaded)" : blas.path.c_str());
      std::printf("  CUDA      %s (%d device(s))\n", torch.cuda_devices > 0 ? "available" : "not available",
                  torch.cuda_devices);
      std::printf("  NCCL      gradient reducer %s%s\n", torch.nccl_reducer ? "built in" : "not built in",
                  torch.nccl_reducer && torch.cuda_devices == 0 ? " (no CUDA device here to run it)" : "");
      if (blas.reference) {
        spdlog::warn(
            "libblas.so.3 is the reference BLAS ({}): LoFi runs ~47x slower. Run scripts/install-deps "
            "to select libopenblas0-openmp.",
            blas.path);
      }
      return 0;
    };
  });
}

}  // namespace lofimap::jobs
