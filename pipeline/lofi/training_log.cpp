#include "pipeline/lofi/training_log.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>

#include "io/error.hpp"

namespace lofimap::pipeline {

TrainingLog::TrainingLog(const TrainConfig& c, const distributed::Communicator& comm, long first_step)
    : config_(c), root_(comm.is_root()), first_step_(first_step), bar_("training", c.steps, first_step) {
  if (!root_) return;
  const std::string path = c.log_path();
  std::error_code ec;
  // A resumed run appends; a log that is missing or empty (its run was killed before the first line)
  // restarts.
  const bool fresh =
      !c.resume || !std::filesystem::exists(path, ec) || std::filesystem::file_size(path, ec) == 0;
  csv_.open(path, fresh ? std::ios::trunc : std::ios::app);
  if (!csv_) throw io::Error(path, "writing the training log", "cannot open for writing");
  // seconds: since the start of this invocation; reduce_wait_seconds: of those, waiting for gradient sums
  // over the ranks that backward did not hide (cumulative).
  if (fresh) csv_ << "step,lr,loss,val_rmse,val_pearson,seconds,reduce_wait_seconds" << std::endl;
}

void TrainingLog::step(long done, double lr, double loss, const ValidationScore* v, double elapsed,
                       double reduce_wait) {
  if (!root_) return;
  // Flushed line by line: a killed run keeps every step it completed.
  csv_ << done << "," << lr << "," << loss << "," << (v ? v->rmse : NAN) << "," << (v ? v->pearson : NAN)
       << "," << elapsed << "," << reduce_wait << std::endl;
  if (!csv_) throw io::Error(config_.log_path(), "writing the training log", "write failed (disk full?)");
  bar_.update(done, fmt::format(" loss {:.5f}", loss));
  if (v || (!bar_.enabled() && done % 20 == 0)) {  // on a terminal the bar shows the rest
    const double rate = static_cast<double>(done - first_step_) / elapsed;
    bar_.clear();
    spdlog::info("step {}/{}  loss {:.5f}  lr {:.2e}{}  ETA {:.0f} s", done, config_.steps, loss, lr,
                 v ? fmt::format("  val RMSE {:.5f} r {:.3f}", v->rmse, v->pearson) : "",
                 static_cast<double>(config_.steps - done) / rate);
  }
}

void TrainingLog::stopped(long step, bool budget_spent, const std::string& checkpoint) {
  if (!root_) return;
  bar_.clear();
  spdlog::warn("stopped ({}) at step {}: checkpoint {} written; continue with --resume",
               budget_spent ? "--stop-after" : "signal", step, checkpoint);
}

}  // namespace lofimap::pipeline
