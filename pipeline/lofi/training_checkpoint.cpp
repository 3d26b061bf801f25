#include "pipeline/lofi/training_checkpoint.hpp"

#include <filesystem>
#include <stdexcept>

#include "io/atomic_output.hpp"
#include "io/error.hpp"
#include "io/file_identity.hpp"

namespace lofimap::pipeline {

void save_training_checkpoint(const std::string& path, models::FieldModel& net, torch::optim::Optimizer& opt,
                              long step, const TrainConfig& c) {
  torch::serialize::OutputArchive a, o;
  a.write("lofimap_options", c10::IValue(net.options().to_json()));
  a.write("train_config", c10::IValue(c.record()));
  a.write("step", c10::IValue(static_cast<int64_t>(step)));
  // What the steps so far were trained on: a resume refuses a training set replaced at the same path.
  for (std::size_t i = 0; i < c.training_sets.size(); ++i)
    a.write("training_set_" + std::to_string(i), c10::IValue(io::file_identity(c.training_sets[i])));
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
    throw io::Error(path, "resuming a training (--resume)", "no checkpoint to resume from");
  torch::serialize::InputArchive a, o;
  try {
    a.load_from(path);
  } catch (const std::exception&) {
    throw io::Error(path, "reading a training checkpoint", "cannot be read (corrupt?)");
  }
  c10::IValue options, step;
  if (!a.try_read("lofimap_options", options) || !a.try_read("step", step))
    throw io::Error(path, "reading a training checkpoint", "not a lofimap training checkpoint");
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
  for (std::size_t i = 0; i < c.training_sets.size(); ++i) {
    c10::IValue identity;
    if (a.try_read("training_set_" + std::to_string(i), identity) && identity.isString())
      io::check_file_identity(c.training_sets[i], identity.toStringRef(),
                              "resuming a training (--resume; checkpoint " + path + ")");
  }
  torch::NoGradGuard no_grad;
  for (auto& p : net.named_parameters()) {
    torch::Tensor t;
    if (!a.try_read("model." + p.key(), t))
      throw io::Error(path, "reading a training checkpoint", "lacks the parameter " + p.key());
    p.value().copy_(t);
  }
  a.read("optimizer", o);
  opt.load(o);
  return step.toInt();
}

}  // namespace lofimap::pipeline
