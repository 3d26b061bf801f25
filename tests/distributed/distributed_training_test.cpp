// Data-parallel training is rank-count independent: the maps and coordinates of the global batch depend on
// (seed, step, slot) only, so the gradient of one step summed over R ranks equals the gradient one process
// computes on the whole global batch (float32, relative difference < 1e-5), and 20 steps on R ranks give the
// parameters of 20 steps on one (relative 1e-4) while every rank holds bitwise the same parameters.
#include <gtest/gtest.h>

#include <filesystem>

#include "distributed/communicator.hpp"
#include "lognormal_training_set.hpp"
#include "pipeline/lofi/lofi_trainer.hpp"
#include "pipeline/simulate/training_set.hpp"

namespace lofimap {
namespace {

std::filesystem::path shared_dir(const distributed::Communicator& comm, const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / "lofimap-tests" / name;
  if (comm.is_root()) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  comm.barrier();
  return dir;
}

pipeline::TrainConfig small_config(const std::filesystem::path& dir, const distributed::Communicator& comm) {
  auto t = testing::lognormal_training_set(dir / "set.h5", 12, pipeline::FlatGrid::square(32, 1.0));
  t.sky.families = {pipeline::SkyFamily::gaussian};
  pipeline::write_training_set(t, comm);
  pipeline::TrainConfig c;
  c.training_sets = {t.output};
  c.validation_maps = 2;
  c.global_batch = 4;  // one map per rank at 4 ranks, two at 2
  c.micro_batch = 1;
  c.coords_per_map = 64;
  c.steps_per_batch = 2;
  c.validate_every = 1000;
  c.checkpoint_every = 1000;
  c.overwrite = true;
  return c;
}

double relative_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).norm().item<double>() / std::max(b.norm().item<double>(), 1e-30);
}

TEST(DistributedTraining, OneStepGradientsEqualTheSingleProcessGradients) {
  const auto comm = distributed::Communicator::world();
  const auto dir = shared_dir(comm, "distributed_gradients");
  const auto c = small_config(dir, comm);
  torch::manual_seed(3);
  const auto model = models::new_field_model(c.model_options(1.0));
  models::FieldModel& net = *model;
  double loss_ranks = 0, loss_one = 0;
  const auto across_ranks = pipeline::global_batch_gradients(c, net, comm, /*step*/ 5, &loss_ranks);
  const auto one_process =
      pipeline::global_batch_gradients(c, net, distributed::Communicator::self(), 5, &loss_one);
  ASSERT_EQ(across_ranks.size(), one_process.size());
  EXPECT_NEAR(loss_ranks, loss_one, 1e-6 * std::abs(loss_one));
  const auto names = net.named_parameters().keys();
  for (size_t k = 0; k < across_ranks.size(); ++k) {
    ASSERT_GT(one_process[k].norm().item<double>(), 0) << names[k];
    EXPECT_LT(relative_difference(across_ranks[k], one_process[k]), 1e-5)
        << names[k] << " on " << comm.size() << " ranks, rank " << comm.rank();
  }
}

TEST(DistributedTraining, TwentyStepsOnRRanksTrainTheOneRankModel) {
  const auto comm = distributed::Communicator::world();
  const auto dir = shared_dir(comm, "distributed_training");
  auto c = small_config(dir, comm);
  c.steps = 20;
  c.check_replicas_every = 5;  // every rank holds bitwise the same parameters (throws otherwise)
  c.output = (dir / "ranks.pt").string();
  const auto summary = pipeline::train_lofi(c, comm);
  EXPECT_EQ(summary.last_step, 20);
  ASSERT_FALSE(summary.model_hash.empty());
  EXPECT_EQ(comm.broadcast(summary.model_hash), summary.model_hash) << "rank " << comm.rank();

  // The same training in one process (each rank runs it alone on its own outputs).
  auto one = c;
  one.output = (dir / ("one_rank" + std::to_string(comm.rank()) + ".pt")).string();
  one.check_replicas_every = 0;
  const auto single = pipeline::train_lofi(one, distributed::Communicator::self());
  ASSERT_EQ(single.losses.size(), summary.losses.size());
  for (size_t s = 0; s < single.losses.size(); ++s)
    EXPECT_NEAR(summary.losses[s], single.losses[s], 1e-4 * std::abs(single.losses[s])) << "step " << s + 1;
  comm.barrier();
  auto ranks_model = models::open_field_model(c.output), one_model = models::open_field_model(one.output);
  const auto a = ranks_model->named_parameters(), b = one_model->named_parameters();
  for (const auto& item : a)
    EXPECT_LT(relative_difference(item.value(), b[item.key()]), 1e-4)
        << item.key() << ", " << comm.size() << " ranks";
  comm.barrier();
}

}  // namespace
}  // namespace lofimap
