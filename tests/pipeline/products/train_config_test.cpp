// TrainConfig's record and the options a resumed run must keep.
#include "pipeline/products/train_config.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace lofimap::pipeline {
namespace {

TEST(TrainConfig, ResumeKeepsWhatShapesTheOptimisation) {
  TrainConfig started;
  started.training_sets = {"a.h5"};
  started.output = "m.pt";
  const std::string record = started.record();
  TrainConfig now = started;
  EXPECT_EQ(now.resume_difference(record), "");
  now.stop_after = 10, now.validate_every = 7, now.checkpoint_every = 3, now.device = ComputeDevice::Cuda;
  now.output = "elsewhere.pt";
  EXPECT_EQ(now.resume_difference(record), "") << "cadence, paths and device may change";
  now.learning_rate = 0.01;
  EXPECT_EQ(now.resume_difference(record), "--lr: 0.001 when started, 0.01 now");
  now = started;
  now.loss = TrainingLoss::L2;
  EXPECT_EQ(now.resume_difference(record), "--loss: \"l1\" when started, \"l2\" now");
  now = started;
  now.training_sets = {"a.h5", "b.h5"};
  EXPECT_NE(now.resume_difference(record).find("--training-set"), std::string::npos);
  now = started;
  now.set_weights = {2};
  EXPECT_EQ(now.resume_difference(record), "--set-weights: [] when started, [2.0] now");
  now = started;
  now.seed = 99;
  EXPECT_NE(now.resume_difference(record).find("--seed"), std::string::npos);
  now = started;
  now.patch_radius = 16, now.ring_spacing = RingSpacing::Geometric;
  EXPECT_EQ(now.resume_difference(record), "--patch-radius: 0.0 when started, 16.0 now");
}

// The patch options are refused before anything is loaded when they cannot lay out a patch.
TEST(TrainConfig, PatchOptionsAreChecked) {
  TrainConfig c;
  c.training_sets = {"missing.h5"};
  c.output = "model.pt";
  c.patch_radius = -1;
  EXPECT_THROW(c.validate(1), std::invalid_argument);
  c.patch_radius = 0, c.ring_spacing = RingSpacing::Geometric;  // geometric rings need an outer radius
  try {
    c.validate(1);
    FAIL() << "geometric rings accepted without --patch-radius";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--ring-spacing geometric"), std::string::npos) << e.what();
  }
}

TEST(TrainConfig, UnreadableRecordsAreNotCompared) {
  TrainConfig c;
  EXPECT_EQ(c.resume_difference("not json"), "");
  EXPECT_EQ(c.resume_difference("[1, 2]"), "");
}

// --set-weights: one finite weight >= 0 per set, not all zero; each refusal names the option.
TEST(TrainConfig, SetWeightsAreChecked) {
  TrainConfig c;
  c.training_sets = {"missing_a.h5", "missing_b.h5"};
  c.output = "model.pt";
  for (const auto& weights : std::vector<std::vector<double>>{{1}, {1, 2, 3}, {1, -1}, {0, 0}, {1, NAN}}) {
    c.set_weights = weights;
    try {
      c.validate(1);
      FAIL() << weights.size() << " weights accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("--set-weights"), std::string::npos) << e.what();
    }
  }
}

// Each rank needs at least one map of the global batch; the batch has a documented ceiling.
TEST(TrainConfig, TheGlobalBatchMustCoverEveryRank) {
  TrainConfig c;
  c.training_sets = {"missing.h5"};
  c.output = "model.pt";
  c.global_batch = 4;
  try {
    c.validate(8);
    FAIL() << "8 ranks accepted for a global batch of 4";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--global-batch 4: fewer maps than the 8 ranks"), std::string::npos)
        << e.what();
  }
  c.global_batch = TrainConfig::kMaxGlobalBatch + 1;
  EXPECT_THROW(c.validate(1), std::invalid_argument);
}

}  // namespace
}  // namespace lofimap::pipeline
