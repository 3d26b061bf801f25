// The one boundary between the torch-free lofimap program and its LibTorch plugin (liblofimap_torch.so, built
// from pipeline/lofi/ by the same compiler in the same build). The plugin exports a single C factory that
// returns this interface; configs cross it as the C++ structs below and errors as ordinary exceptions
// (std::invalid_argument for a bad option, io::Error for a file problem), which jobs/ maps to exit codes.
// The plugin is loaded on first use: LibTorch's static initialisers cost ~0.4 s that `lofimap ks` should not
// pay.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "distributed/communicator.hpp"
#include "models/lofi_options.hpp"
#include "pipeline/core/compute_device.hpp"
#include "pipeline/core/flat_grid.hpp"
#include "pipeline/products/train_config.hpp"

namespace lofimap::pipeline {

struct TorchRuntimeInfo {
  std::string torch_version;
  int threads = 1;            // torch's intra-op threads
  int cuda_devices = 0;       // 0 when CUDA is not available
  bool nccl_reducer = false;  // the NCCL gradient reducer was compiled in (CMake found CUDA and NCCL)
};

// A loaded model on this rank's device, for every LoFi map (one patch or one region at a time): the
// unsmoothed KS E/B maps and galaxy counts on a grid go in, the convergence at query points of the grid's
// plane comes out, evaluated in batches of the configured size.
class LofiEvaluator {
 public:
  virtual ~LofiEvaluator() = default;
  virtual const models::LofiOptions& options() const = 0;  // training pixel, input channels, sizes
  virtual std::string model_hash() const = 0;
  // The model file's interval calibration (JSON of pipeline/core/interval_calibration.hpp), "" when none.
  virtual std::string calibration_json() const = 0;
  // Maps are [ny][nx] on `grid` (g1, g2: the binned shear, read by models with the Wiener channel); queries
  // are x, y pairs in arcmin on the grid's tangent plane.
  virtual std::vector<float> evaluate(const FlatGrid& grid, const std::vector<double>& kappa_e,
                                      const std::vector<double>& kappa_b, const std::vector<double>& g1,
                                      const std::vector<double>& g2, const std::vector<double>& counts,
                                      double sigma_e, const std::vector<float>& queries_xy_arcmin) = 0;
};

class LofiPlugin {
 public:
  virtual ~LofiPlugin() = default;
  virtual void set_threads(int threads) = 0;
  virtual TorchRuntimeInfo runtime() const = 0;
  // `lofimap train`: installs the SIGTERM/SIGUSR1 handlers that checkpoint and stop.
  virtual TrainSummary train(const TrainConfig& config, const distributed::Communicator& comm) = 0;
  // Reads a model (io::Error for a bad file) onto the device of this rank; `batch`: queries per forward pass.
  // `model` written again as `output` (temporary name, renamed) with this calibration record.
  virtual void write_calibrated_model(const std::string& model, const std::string& output,
                                      const std::string& calibration_json) = 0;
  virtual std::unique_ptr<LofiEvaluator> open_model(const std::string& path, ComputeDevice device,
                                                    Precision precision, long batch,
                                                    const distributed::Communicator& comm) = 0;
};

// Loads the plugin (once) and returns its interface; throws std::runtime_error naming the library when it
// cannot be loaded. The plugin gets the thread count set by configure_threads().
LofiPlugin& lofi_plugin();

// The process's thread count, held here alone: OpenMP and FFTW plans now, torch's intra-op pool whenever the
// plugin is (or has been) loaded.
void configure_threads(int threads);
int configured_threads();

struct BlasInfo {
  std::string path;        // resolved libblas.so.3 loaded into this process ("" if none)
  bool reference = false;  // the slow reference BLAS (netlib): LoFi runs ~47x slower on it
};
BlasInfo loaded_blas();  // loads the plugin first (LibTorch is what pulls libblas.so.3 in)

}  // namespace lofimap::pipeline

// The factory liblofimap_torch.so exports; the object it returns lives as long as the process.
extern "C" lofimap::pipeline::LofiPlugin* lofimap_lofi_plugin();
