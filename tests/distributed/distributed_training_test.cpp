// Training on several ranks: gradients are averaged after backward, so every rank holds the same parameters
// at every step (compared through the model content hash), and the run completes and writes one model.
#include <gtest/gtest.h>
#include <mpi.h>

#include <filesystem>

#include "distributed/communicator.hpp"
#include "lognormal_training_set.hpp"
#include "pipeline/lofi/lofi_trainer.hpp"
#include "pipeline/simulate/training_set.hpp"

namespace lofimap {
namespace {

TEST(DistributedTraining, RanksStayInLockstep) {
  const auto comm = distributed::Communicator::world();
  const auto dir = std::filesystem::temp_directory_path() / "lofimap-tests" / "distributed_training_lofi";
  if (comm.is_root()) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  comm.barrier();
  auto t = testing::lognormal_training_set(dir / "set.h5", 12, pipeline::FlatGrid::square(32, 1.0));
  t.lambda = 0;  // Gaussian fields
  pipeline::write_training_set(t, comm);
  pipeline::TrainConfig c;
  c.training_sets = {t.output};
  c.validation_maps = 2;
  c.steps = 4;
  c.maps_per_step = 2;
  c.coords_per_map = 64;
  c.validate_every = 4;
  c.checkpoint_every = 2;
  c.output = (dir / "model.pt").string();
  c.overwrite = true;
  const auto summary = pipeline::train_lofi(c, comm);
  EXPECT_EQ(summary.last_step, 4);
  comm.barrier();
  if (comm.is_root()) {
    EXPECT_TRUE(std::filesystem::exists(c.output));
  }
  // Ranks draw different maps (their losses differ) but must hold identical parameters after every step:
  // rank 0's content hash equals this rank's.
  ASSERT_FALSE(summary.model_hash.empty());
  EXPECT_EQ(comm.broadcast(summary.model_hash), summary.model_hash) << "rank " << comm.rank();
  double first_loss = summary.losses.front(), max_loss = first_loss;
  comm.allreduce_max(&max_loss, 1);
  if (comm.size() > 1) {
    EXPECT_GT(max_loss, 0.0);
  }
  comm.barrier();
}

}  // namespace
}  // namespace lofimap
