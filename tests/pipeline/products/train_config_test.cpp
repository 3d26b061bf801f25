// TrainConfig's record and the options a resumed run must keep.
#include "pipeline/products/train_config.hpp"

#include <gtest/gtest.h>

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
  now.seed = 99;
  EXPECT_NE(now.resume_difference(record).find("--seed"), std::string::npos);
}

TEST(TrainConfig, UnreadableRecordsAreNotCompared) {
  TrainConfig c;
  EXPECT_EQ(c.resume_difference("not json"), "");
  EXPECT_EQ(c.resume_difference("[1, 2]"), "");
}

}  // namespace
}  // namespace lofimap::pipeline
