#include "pipeline/lofi/lofi_trainer.hpp"

#include <torch/torch.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <numbers>

#include "distributed/torch/gradient_reducer.hpp"
#include "models/field_model.hpp"
#include "pipeline/core/heap_policy.hpp"
#include "pipeline/core/stop_request.hpp"
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

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& c, models::FieldModel& net) {
  if (c.optimizer == OptimizerKind::AdamW)
    return std::make_unique<torch::optim::AdamW>(
        net.parameters(), torch::optim::AdamWOptions(c.learning_rate).weight_decay(c.weight_decay));
  return std::make_unique<torch::optim::Adam>(
      net.parameters(), torch::optim::AdamOptions(c.learning_rate).weight_decay(c.weight_decay));
}

// The backward passes of one step on this rank: its slots of the global batch in micro-batches, each pass's
// loss divided by the global number of queries so that the gradients summed over the ranks are the gradient
// of the global batch's mean loss. A stop signal seen between passes abandons the step (the parameters stay
// as the previous step left them); the reducer still runs, so every rank takes part in the same collectives.
struct LocalStep {
  double loss_sum = 0;  // this rank's share of the global mean loss
  bool abandoned = false;
};

LocalStep backward_passes(const TrainConfig& c, models::FieldModel& net, TrainingSampler& sampler,
                          distributed::GradientReducer& reducer, long step) {
  LocalStep out;
  const long local = sampler.local_slots();
  const double total_queries = static_cast<double>(c.global_batch) * static_cast<double>(c.coords_per_map);
  for (long first = 0; first < local; first += c.micro_batch) {
    if (stop_requested()) {
      out.abandoned = true;
      break;
    }
    const long count = std::min(c.micro_batch, local - first);
    reducer.prepare_backward(first + count >= local);
    const auto s = sampler.draw(step, first, count);
    torch::Tensor pred;
    {
      const PrecisionScope arithmetic(c.precision, s.inputs.device());  // the forward pass; backward follows
      pred = net.forward(s.inputs, s.pixel, s.queries).to(torch::kFloat);
    }
    const auto summed = c.loss == TrainingLoss::L2 ? torch::mse_loss(pred, s.targets, torch::Reduction::Sum)
                                                   : torch::l1_loss(pred, s.targets, torch::Reduction::Sum);
    const auto loss = summed / total_queries;
    loss.backward();
    out.loss_sum += loss.item<double>();
  }
  reducer.finish_step();
  return out;
}

// The first (up to 8) held-out maps of every set, RMSE and Pearson r averaged.
ValidationScore validate_model(const TrainConfig& c, models::FieldModel& net,
                               const std::vector<TrainingSet>& sets, torch::Device device) {
  ValidationScore score;
  const long v = std::min<long>(c.validation_maps, 8);
  const double count = static_cast<double>(v * static_cast<long>(sets.size()));
  for (const auto& set : sets) {
    const auto grid = FlatGrid::square(set.n, set.pixel);
    for (long i = 0; i < v; ++i) {
      const auto m = load_training_map(set, set.train_maps + i, net.options(), device);
      const auto pred = predict_grid(net, m.input, set.pixel, set.n, set.pixel);
      const auto truth = m.truth.to(torch::kCPU, torch::kDouble).contiguous();
      std::vector<double> a(pred.begin(), pred.end());
      std::vector<double> b(truth.data_ptr<double>(), truth.data_ptr<double>() + truth.numel());
      const auto q = evaluate_map(a, b, {}, grid, 4);
      score.rmse += q.rmse / count, score.pearson += q.pearson / count;
    }
  }
  return score;
}

// --init-weights: the parameters of a model of the same network (the training ranges may differ), copied by
// name into `net`, which stays on its device.
void load_initial_weights(const std::string& path, const models::LofiOptions& options,
                          models::FieldModel& net) {
  std::unique_ptr<models::FieldModel> start;
  try {
    start = models::open_field_model(path, &options);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("--init-weights: ") + e.what());
  }
  const auto from = start->named_parameters();
  torch::NoGradGuard no_grad;
  for (auto& p : net.named_parameters()) {
    const auto* source = from.find(p.key());
    if (!source || !source->sizes().equals(p.value().sizes()))
      throw std::invalid_argument("--init-weights: " + path + " has no parameter " + p.key() + " of shape " +
                                  c10::str(p.value().sizes()));
    p.value().copy_(*source);
  }
}

}  // namespace

std::vector<torch::Tensor> global_batch_gradients(const TrainConfig& c, models::FieldModel& net,
                                                  const distributed::Communicator& comm, long step,
                                                  double* loss) {
  const auto sets = open_training_sets(c);
  const auto device = net.parameters().front().device();
  const auto reducer = distributed::make_gradient_reducer(comm, net.parameters());
  const auto rows = distributed::split_rows(c.global_batch, comm.rank(), comm.size());
  TrainingSampler sampler(c, net.options(), sets, {rows.begin, rows.end}, device);
  for (auto& p : net.parameters()) p.mutable_grad() = torch::Tensor();
  double local = backward_passes(c, net, sampler, *reducer, step).loss_sum;
  comm.allreduce_sum(&local, 1);
  if (loss) *loss = local;
  std::vector<torch::Tensor> grads;
  for (auto& p : net.parameters())
    grads.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
  return grads;
}

TrainSummary train_lofi(const TrainConfig& c, const distributed::Communicator& comm) {
  c.validate();
  clear_stop_request();
  const auto t0 = std::chrono::steady_clock::now();
  const auto sets = open_training_sets(c);
  const auto device = torch_device(c.device, comm);
  const std::string checkpoint = c.checkpoint_path();  // outputs were checked by c.validate()

  // Every rank must train the same thing: the options that shape the optimisation and the model (which also
  // depends on the sets each rank opened) are compared with rank 0's. A rank that differs fails, naming
  // itself and the option; its failure ends the job on every rank.
  auto model_options = c.model_options(finest_pixel(sets));
  record_training_ranges(sets, model_options);
  const std::string root_record = comm.broadcast(c.record());
  const std::string root_model = comm.broadcast(model_options.to_json());
  if (auto diff = c.resume_difference(root_record); !diff.empty()) {  // "--lr: 0.001 when started, 0.01 now"
    diff.replace(diff.find(" when started"), 13, " on rank 0");
    diff.replace(diff.rfind(" now"), 4, " here");
    throw std::invalid_argument("rank " + std::to_string(comm.rank()) +
                                " was started with other options than rank 0: " + diff);
  }
  if (const auto diff = model_options.difference(models::LofiOptions::from_json(root_model)); !diff.empty())
    throw std::invalid_argument("rank " + std::to_string(comm.rank()) +
                                ": its model options differ from rank 0's (" + diff + ")");
  torch::manual_seed(static_cast<uint64_t>(c.seed));
  const auto model =
      models::new_field_model(model_options, {c.patch_radius, c.ring_spacing == RingSpacing::Geometric});
  models::FieldModel& net = *model;
  net.to(device);
  const auto opt = make_optimizer(c, net);
  distributed::ReducerOptions reducer_options;
  reducer_options.overlap = c.overlap_reduction;
  const auto reducer = distributed::make_gradient_reducer(comm, net.parameters(), reducer_options);
  TrainSummary summary;
  long step = 0;
  if (c.resume) {
    step = load_training_checkpoint(checkpoint, net, *opt, c);
    if (comm.is_root()) spdlog::info("resumed from {} at step {}", checkpoint, step);
  } else {
    if (!c.init_weights.empty()) {
      load_initial_weights(c.init_weights, model_options, net);
      if (comm.is_root()) spdlog::info("starting from the weights of {}", c.init_weights);
    }
    reducer->broadcast_parameters();  // the seed makes them equal already; cheap insurance
  }
  summary.first_step = step;
  TrainingLog log(c, comm, step);
  const auto rows = distributed::split_rows(c.global_batch, comm.rank(), comm.size());
  TrainingSampler sampler(c, net.options(), sets, {rows.begin, rows.end}, device);
  if (comm.is_root() && comm.size() > 1)
    spdlog::info(
        "{} ranks share a global batch of {} maps; gradients summed by the {} reducer ({} buckets, "
        "{:.1f} MiB per step, overlap {})",
        comm.size(), c.global_batch, reducer->name(), reducer->stats().buckets,
        static_cast<double>(reducer->stats().bytes_per_step) / (1 << 20), c.overlap_reduction ? "on" : "off");

  // Every step allocates and frees the same activations and gradients (at the published size, 64 maps x 512
  // coordinates: several of ~440 MB each); kept in the heap instead of mapped and unmapped, a step on the CPU
  // took 5.0-6.3 s instead of 15.8-16.3 s (bench/lofi/run.sh, 2 threads), most of the difference page faults.
  const HeapReuse reuse;
  for (; step < c.steps; ++step) {
    const double lr = learning_rate(c, step);
    for (auto& group : opt->param_groups()) group.options().set_lr(lr);
    opt->zero_grad();
    const auto local = backward_passes(c, net, sampler, *reducer, step);

    // Every rank decides together: the global loss, whether any rank abandoned the step (a stop signal
    // mid-step), whether any was asked to stop after it or spent its --stop-after budget.
    const bool last = step + 1 == c.steps;
    const bool budget_spent = c.stop_after > 0 && step + 1 - summary.first_step >= c.stop_after && !last;
    double agreed[3] = {local.loss_sum, local.abandoned ? 1.0 : 0.0,
                        stop_requested() || budget_spent ? 1.0 : 0.0};
    comm.allreduce_sum(agreed, 3);
    const double loss = agreed[0];
    if (agreed[1] > 0) {  // abandoned mid-step: the parameters are those after the previous step
      summary.interrupted = true;
      if (comm.is_root()) save_training_checkpoint(checkpoint, net, *opt, step, c);
      log.stopped(step, false, checkpoint);
      break;
    }
    // A loss that is no longer a number on any rank (a learning rate too large, NaN in a training map) fails
    // every rank before a checkpoint or a model is written from the broken parameters.
    if (!std::isfinite(loss))
      throw std::runtime_error(
          "training diverged at step " + std::to_string(step + 1) +
          ": the loss is not a finite number (--lr too large, or NaN in a training map?); "
          "nothing was written after the last checkpoint");
    if (c.clip_norm > 0) torch::nn::utils::clip_grad_norm_(net.parameters(), c.clip_norm);
    opt->step();
    summary.losses.push_back(loss);
    if (c.check_replicas_every > 0 && (step + 1) % c.check_replicas_every == 0)
      reducer->check_replicas(step + 1);

    const bool validate_now = (step + 1) % c.validate_every == 0 || last;
    ValidationScore score;
    if (validate_now) {
      score = validate_model(c, net, sets, device);
      summary.val_rmse = score.rmse, summary.val_pearson = score.pearson;
    }
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    log.step(step + 1, lr, loss, validate_now ? &score : nullptr, elapsed, reducer->stats().wait_seconds);

    const bool stop = agreed[2] > 0;
    if (((step + 1) % c.checkpoint_every == 0 || stop) && comm.is_root())
      save_training_checkpoint(checkpoint, net, *opt, step + 1, c);
    if (stop) {
      summary.interrupted = true;
      ++step;
      log.stopped(step, budget_spent, checkpoint);
      break;
    }
  }
  summary.reducer_wait_seconds = reducer->stats().wait_seconds;
  summary.reduced_bytes_per_step = reducer->stats().bytes_per_step;
  summary.last_step = step;
  if (!summary.interrupted) {
    summary.model_hash = net.hash();  // on every rank: equal hashes prove the ranks stayed in step
    if (comm.is_root()) net.save(c.output);
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace lofimap::pipeline
