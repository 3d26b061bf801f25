// A small lognormal training-set configuration for tests (Planck 2015 / TNG, Limber C_ell at z_s = 1,
// lambda 0.02): the caller sets maps, grid, depth, masks and seed where its test needs them.
#pragma once

#include <filesystem>

#include "pipeline/simulate/training_set.hpp"

namespace lofimap::testing {

inline pipeline::TrainingSetConfig lognormal_training_set(const std::filesystem::path& output, long maps,
                                                          pipeline::FlatGrid grid) {
  pipeline::TrainingSetConfig c;
  c.maps = maps;
  c.grid = grid;
  pipeline::SourceDistribution s;
  s.z_single = 1.0;
  c.sky.fixed_cl = pipeline::convergence_cl_limber(pipeline::Cosmology(pipeline::planck2015_tng()), s,
                                                   pipeline::log_ell_grid(10, 1e5, 200));
  c.cl_description = "test";
  c.sky.families = {pipeline::SkyFamily::lognormal};
  c.sky.lambda = {0.02, 0.02};
  c.output = output.string();
  return c;
}

}  // namespace lofimap::testing
