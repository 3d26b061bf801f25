// Peaks of a flat map: pixels above each of their 8 neighbours (ties broken by pixel order, so a plateau
// gives one peak), all 9 pixels inside the footprint, at or above a threshold.
#pragma once

#include <vector>

namespace lofimap::pipeline {

// Row-major indices [iy * nx + ix] of the peaks of `value` (e.g. S/N), in decreasing order of value. Pixels
// with inside[i] == 0 (or a non-finite value) are neither peaks nor neighbours that a peak may lack.
std::vector<long> flat_peaks(const std::vector<double>& value, const std::vector<char>& inside, long nx,
                             long ny, double threshold);

}  // namespace lofimap::pipeline
