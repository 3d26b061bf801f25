// Summary statistics of maps (Pearson r, rms, skewness), for the quality protocol, reports and tests.
#pragma once

#include <vector>

namespace lofimap::pipeline {

// Pearson correlation of (a - mean a) and (b - mean b) over the entries where mask != 0 (mask empty = all).
double pearson(const std::vector<double>& a, const std::vector<double>& b,
               const std::vector<double>& mask = {});
double rms(const std::vector<double>& a, const std::vector<double>& mask = {});  // about the mean
double skewness(const std::vector<double>& a, const std::vector<double>& mask = {});

}  // namespace lofimap::pipeline
