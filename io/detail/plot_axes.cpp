#include "io/detail/plot_axes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace lofimap::io::detail {

double nice_step(double span, int target) {
  const double raw = span / target;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

std::string format_tick(double v, double step) {
  const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) + 1e-9)));
  if (std::abs(v) < step * 1e-6) v = 0;
  char buf[32];
  if (std::abs(v) >= 1e4 || (std::abs(v) < 1e-3 && v != 0))
    std::snprintf(buf, sizeof buf, "%.1e", v);
  else
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (!s.empty() && s[0] == '-') s = "\u2212" + s.substr(1);  // a typographic minus sign
  return s;
}

std::vector<double> ticks(double a, double b, int target) {
  const double lo = std::min(a, b), hi = std::max(a, b);
  if (!(hi > lo)) return {};
  const double step = nice_step(hi - lo, target);
  std::vector<double> out;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push_back(v);
  return out;
}

void text(cairo_t* cr, double x, double y, const std::string& s, double ax, double ay, double size,
          double angle) {
  if (s.empty()) return;
  cairo_save(cr);
  cairo_set_font_size(cr, size);
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, angle);
  cairo_move_to(cr, -e.x_bearing - ax * e.width, -e.y_bearing - ay * e.height);
  cairo_show_text(cr, s.c_str());
  cairo_restore(cr);
}

}  // namespace lofimap::io::detail
