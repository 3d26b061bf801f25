#include "pipeline/lofi/lofi_trainer.hpp"

#include <torch/torch.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <numbers>

#include "distributed/torch/gradient_reducer.hpp"
#include "models/lofi_network.hpp"
#include "pipeline/flat/map_quality.hpp"
#include "pipeline/lofi/lofi_inputs.hpp"
#include "pipeline/lofi/torch_device.hpp"
#include "pipeline/lofi/training_checkpoint.hpp"
#include "pipeline/lofi/training_log.hpp"
#include "pipeline/lofi/training_sampler.hpp"

namespace lofimap::pipeline {

namespace {

double learning_rate(const TrainConfig& c, long step) {
  const double frac = static_cast<double>(step) / static_cast<double>(c.steps);
  switch (c.schedule) {
    case LearningRateSchedule::Cosine:
      return c.learning_rate * 0.5 * (1 + std::cos(std::numbers::pi * frac));
    case LearningRateSchedule::Step:
      return c.learning_rate * std::pow(0.1, std::floor(frac * 3));
    case LearningRateSchedule::Constant:
      break;
  }
  return c.learning_rate;
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& c, models::LofiNetwork& net) {
  if (c.optimizer == OptimizerKind::AdamW)
    return std::make_unique<torch::optim::AdamW>(
        net->parameters(), torch::optim::AdamWOptions(c.learning_rate).weight_decay(c.weight_decay));
  return std::make_unique<torch::optim::Adam>(
      net->parameters(), torch::optim::AdamOptions(c.learning_rate).weight_decay(c.weight_decay));
}

// One optimisation step on the samples; returns the loss.
double training_step(const TrainConfig& c, models::LofiNetwork& net, torch::optim::Optimizer& opt,
                     distributed::GradientReducer& reducer, const StepSamples& s, double lr) {
  for (auto& group : opt.param_groups()) group.options().set_lr(lr);
  opt.zero_grad();
  const auto pred = net->forward(s.inputs, s.pixel, s.queries);
  const auto loss =
      c.loss == TrainingLoss::L2 ? torch::mse_loss(pred, s.targets) : torch::l1_loss(pred, s.targets);
  loss.backward();
  reducer.average_gradients(net->parameters());
  if (c.clip_norm > 0) torch::nn::utils::clip_grad_norm_(net->parameters(), c.clip_norm);
  opt.step();
  return loss.item<double>();
}

// The first (up to 8) held-out maps of every set, RMSE and Pearson r averaged.
ValidationScore validate_model(const TrainConfig& c, models::LofiNetwork& net,
                               const std::vector<TrainingSet>& sets, torch::Device device) {
  ValidationScore score;
  const long v = std::min<long>(c.validation_maps, 8);
  const double count = static_cast<double>(v * static_cast<long>(sets.size()));
  for (const auto& set : sets) {
    const auto grid = FlatGrid::square(set.n, set.pixel);
    for (long i = 0; i < v; ++i) {
      const auto m = load_training_map(set, set.train_maps + i, c.noise_channel, device);
      const auto pred = predict_grid(net, m.input, set.pixel, set.n, set.pixel)
                            .to(torch::kCPU, torch::kDouble)
                            .contiguous();
      const auto truth = m.truth.to(torch::kCPU, torch::kDouble).contiguous();
      std::vector<double> a(pred.data_ptr<double>(), pred.data_ptr<double>() + pred.numel());
      std::vector<double> b(truth.data_ptr<double>(), truth.data_ptr<double>() + truth.numel());
      const auto q = evaluate_map(a, b, {}, grid, 4);
      score.rmse += q.rmse / count, score.pearson += q.pearson / count;
    }
  }
  return score;
}

}  // namespace

TrainSummary train_lofi(const TrainConfig& c, const distributed::Communicator& comm) {
  c.validate();
  clear_training_stop();
  const auto t0 = std::chrono::steady_clock::now();
  const auto sets = open_training_sets(c);
  const auto device = torch_device(c.device, comm);
  const std::string checkpoint = c.checkpoint_path();  // outputs were checked by c.validate()

  torch::manual_seed(static_cast<uint64_t>(c.seed));
  models::LofiNetwork net(c.model_options(finest_pixel(sets)));
  net->to(device);
  const auto opt = make_optimizer(c, net);
  const auto reducer = distributed::make_gradient_reducer(comm);
  TrainSummary summary;
  long step = 0;
  if (c.resume) {
    step = load_training_checkpoint(checkpoint, net, *opt, c);
    if (comm.is_root()) spdlog::info("resumed from {} at step {}", checkpoint, step);
  } else {
    reducer->broadcast_parameters(net->parameters());  // the seed makes them equal already; cheap insurance
  }
  summary.first_step = step;
  TrainingLog log(c, comm, step);
  TrainingSampler sampler(c, sets, comm.rank(), device);

  for (; step < c.steps; ++step) {
    const double lr = learning_rate(c, step);
    const double loss = training_step(c, net, *opt, *reducer, sampler.draw(step), lr);
    summary.losses.push_back(loss);

    const bool last = step + 1 == c.steps;
    const bool validate_now = (step + 1) % c.validate_every == 0 || last;
    ValidationScore score;
    if (validate_now) {
      score = validate_model(c, net, sets, device);
      summary.val_rmse = score.rmse, summary.val_pearson = score.pearson;
    }
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    log.step(step + 1, lr, loss, validate_now ? &score : nullptr, elapsed);

    // Every rank stops at the same step: a signal to any rank stops all of them, and a loss that is no longer
    // a number on any rank (a learning rate too large, NaN in a training map) fails all of them before a
    // checkpoint or a model is written from the broken parameters (the last checkpoint stays as it was).
    const bool budget_spent = c.stop_after > 0 && step + 1 - summary.first_step >= c.stop_after && !last;
    double stop = !std::isfinite(loss) ? 2 : training_stop_requested() || budget_spent ? 1 : 0;
    comm.allreduce_max(&stop, 1);
    if (stop == 2)
      throw std::runtime_error(
          "training diverged at step " + std::to_string(step + 1) +
          ": the loss is not a finite number (--lr too large, or NaN in a training map?); "
          "nothing was written after the last checkpoint");
    if (((step + 1) % c.checkpoint_every == 0 || stop > 0) && comm.is_root())
      save_training_checkpoint(checkpoint, net, *opt, step + 1, c);
    if (stop > 0) {
      summary.interrupted = true;
      ++step;
      log.stopped(step, budget_spent, checkpoint);
      break;
    }
  }
  summary.last_step = step;
  if (!summary.interrupted) {
    summary.model_hash =
        models::lofi_hash(net);  // on every rank: equal hashes prove the ranks stayed in step
    if (comm.is_root()) models::save_lofi(net, c.output);
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace lofimap::pipeline
