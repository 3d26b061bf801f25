// Summary statistics used by the quality protocol and the tests (DESIGN §7).
#pragma once

#include <vector>

namespace lofimap::pipeline {

// Pearson correlation of (a - mean a) and (b - mean b) over the entries where mask != 0 (mask empty = all).
double pearson(const std::vector<double>& a, const std::vector<double>& b, const std::vector<double>& mask = {});
double rms(const std::vector<double>& a, const std::vector<double>& mask = {});  // about the mean
double skewness(const std::vector<double>& a, const std::vector<double>& mask = {});

}  // namespace lofimap::pipeline
