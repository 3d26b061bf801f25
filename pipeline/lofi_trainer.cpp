#include "pipeline/lofi_trainer.hpp"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <stdexcept>

#include "io/atomic_output.hpp"
#include "io/hdf5_training_set.hpp"
#include "models/lofi_network.hpp"
#include "pipeline/map_quality.hpp"
#include "pipeline/lofi_inputs.hpp"
#include "pipeline/progress_bar.hpp"
#include "pipeline/random_stream.hpp"

namespace lofimap::pipeline {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }

struct MapTensors {
  torch::Tensor input;  // [C, n, n]
  torch::Tensor truth;  // [n, n]
};

MapTensors load_map(const io::TrainingSetReader& reader, long index, bool use_noise_channel) {
  const auto m = reader.read(index);
  const long n = reader.n();
  return {lofi_input(m, n, use_noise_channel),
          torch::from_blob(const_cast<float*>(m.kappa.data()), {n, n}).clone()};
}

double learning_rate(const TrainConfig& c, long step) {
  const double frac = static_cast<double>(step) / static_cast<double>(c.steps);
  if (c.schedule == "cosine") return c.learning_rate * 0.5 * (1 + std::cos(std::numbers::pi * frac));
  if (c.schedule == "step") return c.learning_rate * std::pow(0.1, std::floor(frac * 3));
  return c.learning_rate;
}

struct Checkpoint {
  static void save(const std::string& path, models::LofiNetwork& net, torch::optim::Optimizer& opt, long step,
                   const TrainConfig& c) {
    torch::serialize::OutputArchive a, o;
    a.write("lofimap_options", c10::IValue(net->options().to_json()));
    a.write("train_config", c10::IValue(c.to_json()));
    a.write("step", c10::IValue(static_cast<int64_t>(step)));
    for (const auto& p : net->named_parameters()) a.write("model." + p.key(), p.value().detach());
    opt.save(o);
    a.write("optimizer", o);
    io::AtomicOutput out(path, /*overwrite*/ true);  // the previous checkpoint survives a crash mid-write
    a.save_to(out.temp_path());
    out.commit();
  }
  static long load(const std::string& path, models::LofiNetwork& net, torch::optim::Optimizer& opt) {
    if (!std::filesystem::exists(path)) throw std::runtime_error(path + ": --resume: no checkpoint to resume from");
    torch::serialize::InputArchive a, o;
    try {
      a.load_from(path);
    } catch (const std::exception&) {
      throw std::runtime_error(path + ": checkpoint cannot be read (corrupt?)");
    }
    c10::IValue options, step;
    if (!a.try_read("lofimap_options", options) || !a.try_read("step", step))
      throw std::runtime_error(path + ": not a lofimap training checkpoint");
    const auto diff = net->options().difference(models::LofiOptions::from_json(options.toStringRef()));
    if (!diff.empty()) throw std::invalid_argument(path + ": checkpoint model differs from the requested one: " + diff);
    torch::NoGradGuard no_grad;
    for (auto& p : net->named_parameters()) {
      torch::Tensor t;
      if (!a.try_read("model." + p.key(), t)) throw std::runtime_error(path + ": checkpoint lacks " + p.key());
      p.value().copy_(t);
    }
    a.read("optimizer", o);
    opt.load(o);
    return step.toInt();
  }
};

}  // namespace

void install_training_stop_signals() {
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGUSR1, on_stop_signal);
}

void request_training_stop() { g_stop.store(true); }

TrainSummary train_lofi(const TrainConfig& c, const distributed::Communicator& comm) {
  c.validate();
  g_stop.store(false);
  const auto t0 = std::chrono::steady_clock::now();
  // One or more sets (e.g. one per pixel scale); each batch comes from one set. The model's training pixel is
  // the finest of them (it sets the filter's wavenumber range and the initial patch radii).
  struct SetInfo {
    std::unique_ptr<io::TrainingSetReader> reader;
    long n = 0, train_maps = 0;
    double pixel = 0;
  };
  std::vector<SetInfo> sets;
  for (const auto& path : c.training_sets) {
    SetInfo s;
    s.reader = std::make_unique<io::TrainingSetReader>(path);
    if (s.reader->maps() <= c.validation_maps)
      throw std::invalid_argument("--validation-maps: " + path + " has only " + std::to_string(s.reader->maps()) + " maps");
    s.n = s.reader->n();
    s.train_maps = s.reader->maps() - c.validation_maps;
    s.pixel = s.reader->number_attribute("pixel_arcmin");
    sets.push_back(std::move(s));
  }
  double finest = sets.front().pixel;
  for (const auto& s : sets) finest = std::min(finest, s.pixel);
  const std::string checkpoint = c.checkpoint.empty() ? c.output + ".checkpoint" : c.checkpoint;
  const std::string log_path = c.log_csv.empty() ? c.output + ".log.csv" : c.log_csv;
  if (comm.is_root()) {
    io::check_writable(c.output, c.overwrite);
    io::check_writable(checkpoint, true);
  }

  torch::manual_seed(static_cast<uint64_t>(c.seed));
  models::LofiNetwork net(c.model_options(finest));
  std::unique_ptr<torch::optim::Optimizer> opt;
  if (c.optimizer == "adamw")
    opt = std::make_unique<torch::optim::AdamW>(net->parameters(),
                                                torch::optim::AdamWOptions(c.learning_rate).weight_decay(c.weight_decay));
  else
    opt = std::make_unique<torch::optim::Adam>(net->parameters(),
                                               torch::optim::AdamOptions(c.learning_rate).weight_decay(c.weight_decay));
  TrainSummary summary;
  long step = 0;
  if (c.resume) {
    step = Checkpoint::load(checkpoint, net, *opt);
    spdlog::info("resumed from {} at step {}", checkpoint, step);
  } else if (comm.size() > 1) {
    // Identical start on every rank: parameters from rank 0 (the seed already makes them equal; cheap insurance).
    for (auto& p : net->parameters()) {
      auto d = p.detach().to(torch::kDouble).contiguous();
      if (!comm.is_root()) d.zero_();
      comm.allreduce_sum(d.data_ptr<double>(), static_cast<size_t>(d.numel()));
      torch::NoGradGuard g;
      p.copy_(d);
    }
  }
  summary.first_step = step;
  std::ofstream log;
  if (comm.is_root()) {
    const bool fresh = !c.resume || !std::filesystem::exists(log_path);
    log.open(log_path, fresh ? std::ios::trunc : std::ios::app);
    if (fresh) log << "step,lr,loss,val_rmse,val_pearson,seconds\n";
  }

  std::vector<MapTensors> batch;
  torch::Tensor inputs, truths;
  long n = sets.front().n;
  double pixel = sets.front().pixel;
  // Validation: the first (up to 8) held-out maps of every set, averaged.
  auto validate = [&] {
    double rmse = 0, r = 0;
    const long v = std::min<long>(c.validation_maps, 8);
    const double count = static_cast<double>(v * static_cast<long>(sets.size()));
    for (const auto& set : sets) {
      const FlatGridSpec grid{set.n, set.pixel};
      for (long i = 0; i < v; ++i) {
        const auto m = load_map(*set.reader, set.train_maps + i, c.noise_channel);
        const auto pred = predict_grid(net, m.input, set.pixel, set.n, set.pixel).to(torch::kDouble).contiguous();
        const auto truth = m.truth.to(torch::kDouble).contiguous();
        std::vector<double> a(pred.data_ptr<double>(), pred.data_ptr<double>() + pred.numel());
        std::vector<double> b(truth.data_ptr<double>(), truth.data_ptr<double>() + truth.numel());
        const auto q = evaluate_map(a, b, {}, grid, 4);
        rmse += q.rmse / count, r += q.pearson / count;
      }
    }
    summary.val_rmse = rmse, summary.val_pearson = r;
  };

  ProgressBar bar("training", c.steps, step);  // drawn by rank 0 only
  for (; step < c.steps; ++step) {
    // A new set of maps every steps_per_batch steps, drawn from stream (seed, batch, rank).
    if (batch.empty() || step % c.steps_per_batch == 0) {
      RandomStream pick(c.seed, (static_cast<std::uint64_t>(step / c.steps_per_batch) << 20) * 2 + static_cast<std::uint64_t>(comm.rank()));
      // With one set no draw is spent on the choice (runs with one set are unchanged by multi-set support).
      const auto& set = sets.size() == 1 ? sets.front() : sets[static_cast<size_t>(pick.uniform() * static_cast<double>(sets.size()))];
      n = set.n;
      pixel = set.pixel;
      batch.clear();
      for (long b = 0; b < c.maps_per_step; ++b)
        batch.push_back(load_map(*set.reader, static_cast<long>(pick.uniform() * static_cast<double>(set.train_maps)), c.noise_channel));
      std::vector<torch::Tensor> in, tr;
      for (auto& m : batch) in.push_back(m.input), tr.push_back(m.truth);
      inputs = torch::stack(in);
      truths = torch::stack(tr).unsqueeze(1);
    }
    // Coordinates: pixel centres plus optional sub-pixel jitter; targets sampled bicubically from the truth.
    RandomStream coords(c.seed, ((static_cast<std::uint64_t>(step) << 20) * 2 + 1) + static_cast<std::uint64_t>(comm.rank()) * 2);
    const long q = c.coords_per_map, b = c.maps_per_step;
    std::vector<float> xy(static_cast<size_t>(b * q * 2));
    const double centre = 0.5 * static_cast<double>(n - 1);
    for (size_t k = 0; k < xy.size(); k += 2) {
      const double ix = std::floor(coords.uniform() * static_cast<double>(n)), iy = std::floor(coords.uniform() * static_cast<double>(n));
      const double jx = c.jitter ? coords.uniform() - 0.5 : 0, jy = c.jitter ? coords.uniform() - 0.5 : 0;
      xy[k] = static_cast<float>((ix + jx - centre) * pixel);
      xy[k + 1] = static_cast<float>((iy + jy - centre) * pixel);
    }
    const auto queries = torch::from_blob(xy.data(), {b, q, 2}).clone();
    const auto norm = torch::tensor({2.0f / static_cast<float>(pixel * n), 2.0f / static_cast<float>(pixel * n)});
    const auto target = torch::grid_sampler(truths, (queries * norm).unsqueeze(2), 2, 2, false).view({b, q});

    const double lr = learning_rate(c, step);
    for (auto& group : opt->param_groups()) group.options().set_lr(lr);
    opt->zero_grad();
    const auto pred = net->forward(inputs, pixel, queries);
    const auto loss = c.loss == "l2" ? torch::mse_loss(pred, target) : torch::l1_loss(pred, target);
    loss.backward();
    if (comm.size() > 1) {
      for (auto& p : net->parameters()) {
        auto g = p.grad().to(torch::kDouble).contiguous();
        comm.allreduce_sum(g.data_ptr<double>(), static_cast<size_t>(g.numel()));
        p.mutable_grad().copy_(g / comm.size());
      }
    }
    if (c.clip_norm > 0) torch::nn::utils::clip_grad_norm_(net->parameters(), c.clip_norm);
    opt->step();
    const double loss_value = loss.item<double>();
    summary.losses.push_back(loss_value);

    const bool last = step + 1 == c.steps;
    const bool do_validate = (step + 1) % c.validate_every == 0 || last;
    if (do_validate) validate();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (comm.is_root()) {
      log << step + 1 << "," << lr << "," << loss_value << "," << (do_validate ? summary.val_rmse : NAN) << ","
          << (do_validate ? summary.val_pearson : NAN) << "," << elapsed << "\n";
      bar.update(step + 1, fmt::format(" loss {:.5f}", loss_value));
      if (do_validate || (!bar.enabled() && (step + 1) % 20 == 0)) {  // on a terminal the bar shows the rest
        const double rate = static_cast<double>(step + 1 - summary.first_step) / elapsed;
        bar.clear();
        spdlog::info("step {}/{}  loss {:.5f}  lr {:.2e}{}  ETA {:.0f} s", step + 1, c.steps, loss_value, lr,
                     do_validate ? fmt::format("  val RMSE {:.5f} r {:.3f}", summary.val_rmse, summary.val_pearson) : "",
                     static_cast<double>(c.steps - step - 1) / rate);
      }
    }
    const bool budget_spent = c.stop_after > 0 && step + 1 - summary.first_step >= c.stop_after && !last;
    double stop = g_stop.load() || budget_spent ? 1 : 0;
    comm.allreduce_max(&stop, 1);
    const bool checkpoint_now = (step + 1) % c.checkpoint_every == 0 || stop > 0;
    if (checkpoint_now && comm.is_root()) Checkpoint::save(checkpoint, net, *opt, step + 1, c);
    if (stop > 0) {
      summary.interrupted = true;
      ++step;
      if (comm.is_root()) {
        bar.clear();
        spdlog::warn("stopped ({}) at step {}: checkpoint {} written; continue with --resume",
                     budget_spent ? "--stop-after" : "signal", step, checkpoint);
      }
      break;
    }
  }
  summary.last_step = step;
  if (!summary.interrupted) {
    summary.model_hash = models::lofi_hash(net);  // on every rank: equal hashes prove the ranks stayed in step
    if (comm.is_root()) models::save_lofi(net, c.output);
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace lofimap::pipeline
