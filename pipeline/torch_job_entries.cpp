// C entry points of liblofimap_torch.so for the jobs that need LibTorch (`lofimap train`). The lofimap
// executable resolves them with dlsym (models/compute_runtime.hpp), so it never links LibTorch itself.
#include <spdlog/spdlog.h>

#include <cstring>
#include <stdexcept>

#include "distributed/communicator.hpp"
#include "io/error.hpp"
#include "pipeline/lofi_mapping.hpp"
#include "pipeline/lofi_trainer.hpp"

namespace {
void copy_error(const char* what, char* error, size_t len) {
  if (error && len > 0) {
    std::strncpy(error, what, len - 1);
    error[len - 1] = '\0';
  }
}
}  // namespace

// Both return 0 on success, 2 for a bad option, 3 for a file problem, 1 otherwise (message in `error`).
template <typename F>
int guarded(F&& f, char* error, size_t error_len) {
  try {
    f();
    return 0;
  } catch (const std::invalid_argument& e) {
    copy_error(e.what(), error, error_len);
    return 2;
  } catch (const lofimap::io::Error& e) {
    copy_error(e.what(), error, error_len);
    return 3;
  } catch (const std::exception& e) {
    copy_error(e.what(), error, error_len);
    return 1;
  }
}

extern "C" int lofimap_torch_map(const char* config_json, char* error, size_t error_len) {
  return guarded(
      [&] {
        const auto config = lofimap::pipeline::MapConfig::from_json(config_json);
        const auto comm = lofimap::distributed::Communicator::world();
        const auto report = lofimap::pipeline::run_lofi_map(config, comm);
        if (comm.is_root()) {
          spdlog::info("{}", report.summary);
          for (const auto& w : report.written) spdlog::info("wrote {}", w);
        }
      },
      error, error_len);
}

extern "C" int lofimap_torch_train(const char* config_json, char* error, size_t error_len) {
  return guarded(
      [&] {
        const auto config = lofimap::pipeline::TrainConfig::from_json(config_json);
        lofimap::pipeline::install_training_stop_signals();
        const auto comm = lofimap::distributed::Communicator::world();
        const auto s = lofimap::pipeline::train_lofi(config, comm);
        if (!comm.is_root()) return;
        if (s.interrupted)
          spdlog::warn("training interrupted at step {}; checkpoint written", s.last_step);
        else
          spdlog::info("trained steps {}..{} in {:.1f} s: val RMSE {:.5f}, r {:.3f}; wrote {} (hash {})", s.first_step,
                       s.last_step, s.seconds, s.val_rmse, s.val_pearson, config.output, s.model_hash);
      },
      error, error_len);
}
