// A radial profile as a PNG a person would show: tangential and cross shear against radius (log axis) with
// their error bars, the zero line, a legend and a title.
#pragma once

#include <string>
#include <vector>

namespace lofimap::io {

struct ProfileSeries {
  std::string label;
  std::vector<double> y, error;  // one per radius
};

// radius: bin centres (> 0, increasing), drawn on a logarithmic axis; at most two series (the first filled
// blue discs, the second open red squares, shifted by 2% in radius so that their bars do not overlap).
void write_profile_png(const std::string& path, const std::vector<double>& radius,
                       const std::vector<ProfileSeries>& series, const std::string& title,
                       const std::string& x_label, const std::string& y_label);

}  // namespace lofimap::io
