#include "pipeline/lofi/training_checkpoint.hpp"

#include <filesystem>
#include <stdexcept>

#include "io/atomic_output.hpp"

namespace lofimap::pipeline {

void save_training_checkpoint(const std::string& path, models::FieldModel& net, torch::optim::Optimizer& opt,
                              long step, const TrainConfig& c) {
  torch::serialize::OutputArchive a, o;
  a.write("lofimap_options", c10::IValue(net.options().to_json()));
  a.write("train_config", c10::IValue(c.record()));
  a.write("step", c10::IValue(static_cast<int64_t>(step)));
  for (const auto& p : net.named_parameters()) a.write("model." + p.key(), p.value().detach().cpu());
  opt.save(o);
  a.write("optimizer", o);
  io::AtomicOutput out(path, /*overwrite*/ true);  // the previous checkpoint survives a crash mid-write
  a.save_to(out.temp_path());
  out.commit();
}

long load_training_checkpoint(const std::string& path, models::FieldModel& net, torch::optim::Optimizer& opt,
                              const TrainConfig& c) {
  if (!std::filesystem::exists(path))
    throw std::runtime_error(path + ": --resume: no checkpoint to resume from");
  torch::serialize::InputArchive a, o;
  try {
    a.load_from(path);
  } catch (const std::exception&) {
    throw std::runtime_error(path + ": checkpoint cannot be read (corrupt?)");
  }
  c10::IValue options, step;
  if (!a.try_read("lofimap_options", options) || !a.try_read("step", step))
    throw std::runtime_error(path + ": not a lofimap training checkpoint");
  const auto diff = net.options().difference(models::LofiOptions::from_json(options.toStringRef()));
  if (!diff.empty())
    throw std::invalid_argument(path + ": checkpoint model differs from the requested one: " + diff);
  c10::IValue record;
  if (a.try_read("train_config", record) && record.isString()) {
    const auto changed = c.resume_difference(record.toStringRef());
    if (!changed.empty())
      throw std::invalid_argument("--resume: " + changed + " (" + path +
                                  "; a resumed run continues with the options it was started with)");
  }
  torch::NoGradGuard no_grad;
  for (auto& p : net.named_parameters()) {
    torch::Tensor t;
    if (!a.try_read("model." + p.key(), t)) throw std::runtime_error(path + ": checkpoint lacks " + p.key());
    p.value().copy_(t);
  }
  a.read("optimizer", o);
  opt.load(o);
  return step.toInt();
}

}  // namespace lofimap::pipeline
