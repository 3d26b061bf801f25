// PNG quick-looks a person would look at: the map, scaled to a readable size, a colour bar with values, tick
// labels on both axes and a title. The caller supplies a raster already in display orientation (row 0 at the
// top, column 0 at the left); NaN marks pixels outside the map (drawn grey).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lofimap::io {

enum class Colormap { Diverging, Sequential };

struct Raster {
  long width = 0, height = 0;
  std::vector<float> values;  // [row * width + col], row 0 at the top
};

struct QuicklookStyle {
  std::string title;
  std::string colorbar_label;
  Colormap colormap = Colormap::Diverging;
  double vmin = 0, vmax = 0;  // vmin == vmax: chosen from the data (colour_limits)
  // Axis annotation: the value at the left/right edge (x) and bottom/top edge (y) of the raster; when
  // has_axes is false no ticks are drawn (e.g. a full-sky projection).
  bool has_axes = true;
  double x_left = 0, x_right = 1, y_bottom = 0, y_top = 1;
  std::string x_label, y_label;
};

// The colour range drawn: the style's when vmax > vmin; else for Diverging the map's median plus and minus
// the largest distance from it to the 0.5th or 99.5th percentile (a map with an offset is centred on it, and
// one bright cluster does not wash out the rest), for Sequential the full range. NaN pixels are left out.
std::pair<double, double> colour_limits(const Raster& raster, const QuicklookStyle& style);

void write_quicklook_png(const std::string& path, const Raster& raster, const QuicklookStyle& style);

}  // namespace lofimap::io
