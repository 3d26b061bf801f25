#include "io/profile_plot.hpp"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "io/detail/plot_axes.hpp"
#include "io/error.hpp"

namespace lofimap::io {

void write_profile_png(const std::string& path, const std::vector<double>& radius,
                       const std::vector<ProfileSeries>& series, const std::string& title,
                       const std::string& x_label, const std::string& y_label) {
  if (radius.empty() || series.empty() || series.size() > 2)
    throw Error(path, "drawing a profile", "nothing to draw");
  for (double r : radius)
    if (!(r > 0)) throw Error(path, "drawing a profile", "radii must be > 0 (logarithmic axis)");
  double ylo = 0, yhi = 0;
  for (const auto& s : series)
    for (size_t i = 0; i < s.y.size(); ++i)
      if (std::isfinite(s.y[i]) && std::isfinite(s.error[i]))
        ylo = std::min(ylo, s.y[i] - s.error[i]), yhi = std::max(yhi, s.y[i] + s.error[i]);
  if (!(yhi > ylo)) yhi = ylo + 1;
  const double pad = 0.08 * (yhi - ylo);
  ylo -= pad, yhi += pad;
  const double lx0 = std::log10(radius.front()) - 0.08, lx1 = std::log10(radius.back()) + 0.08;

  const double left = 96, top = 52, w = 640, h = 420, bottom = 70, right = 30;
  const int width = static_cast<int>(left + w + right), height = static_cast<int>(top + h + bottom);
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> page(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height), cairo_surface_destroy);
  std::unique_ptr<cairo_t, decltype(&cairo_destroy)> context(cairo_create(page.get()), cairo_destroy);
  cairo_t* c = context.get();
  cairo_set_source_rgb(c, 1, 1, 1);
  cairo_paint(c);
  cairo_select_font_face(c, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  const auto px = [&](double r) { return left + (std::log10(r) - lx0) / (lx1 - lx0) * w; };
  const auto py = [&](double y) { return top + h - (y - ylo) / (yhi - ylo) * h; };

  // Frame, zero line, ticks (decades and their 2 and 5 on x).
  cairo_set_source_rgb(c, 0, 0, 0);
  cairo_set_line_width(c, 1);
  cairo_rectangle(c, left - 0.5, top - 0.5, w + 1, h + 1);
  cairo_stroke(c);
  cairo_set_source_rgb(c, 0.5, 0.5, 0.5);
  cairo_move_to(c, left, std::round(py(0)) + 0.5);
  cairo_line_to(c, left + w, std::round(py(0)) + 0.5);
  cairo_stroke(c);
  cairo_set_source_rgb(c, 0, 0, 0);
  for (int decade = static_cast<int>(std::floor(lx0)); decade <= static_cast<int>(std::ceil(lx1)); ++decade)
    for (double m : {1.0, 2.0, 5.0}) {
      const double r = m * std::pow(10.0, decade);
      if (std::log10(r) < lx0 || std::log10(r) > lx1) continue;
      const double x = std::round(px(r)) + 0.5;
      cairo_move_to(c, x, top + h + 0.5);
      cairo_line_to(c, x, top + h + 6.5);
      detail::text(c, x, top + h + 10, detail::format_tick(r, r >= 1 ? 10.0 : r), 0.5, 0, 13);
    }
  const double ystep = detail::nice_step(yhi - ylo, 5);
  for (double v : detail::ticks(ylo, yhi, 5)) {
    const double y = std::round(py(v)) + 0.5;
    cairo_move_to(c, left - 6.5, y);
    cairo_line_to(c, left - 0.5, y);
    detail::text(c, left - 10, y, detail::format_tick(v, ystep), 1, 0.5, 13);
  }
  cairo_stroke(c);

  // The series: points with error bars.
  const double colours[2][3] = {{0.13, 0.40, 0.67}, {0.70, 0.09, 0.17}};
  for (size_t s = 0; s < series.size(); ++s) {
    cairo_set_source_rgb(c, colours[s][0], colours[s][1], colours[s][2]);
    cairo_set_line_width(c, 1.5);
    for (size_t i = 0; i < radius.size() && i < series[s].y.size(); ++i) {
      const double y = series[s].y[i], e = series[s].error[i];
      if (!std::isfinite(y)) continue;
      const double x = px(radius[i] * (s == 0 ? 1.0 : 1.02));
      if (std::isfinite(e)) {
        cairo_move_to(c, x, py(y - e));
        cairo_line_to(c, x, py(y + e));
        cairo_stroke(c);
      }
      if (s == 0) {
        cairo_arc(c, x, py(y), 4, 0, 2 * M_PI);
        cairo_fill(c);
      } else {
        cairo_rectangle(c, x - 3.5, py(y) - 3.5, 7, 7);
        cairo_stroke(c);
      }
    }
    // Legend entry, top right.
    const double lx = left + w - 170, ly = top + 20 + 22 * static_cast<double>(s);
    if (s == 0) {
      cairo_arc(c, lx, ly, 4, 0, 2 * M_PI);
      cairo_fill(c);
    } else {
      cairo_rectangle(c, lx - 3.5, ly - 3.5, 7, 7);
      cairo_stroke(c);
    }
    cairo_set_source_rgb(c, 0, 0, 0);
    detail::text(c, lx + 12, ly, series[s].label, 0, 0.5, 13);
  }

  cairo_select_font_face(c, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  detail::text(c, left + w / 2, 18, title, 0.5, 0, 15);
  cairo_select_font_face(c, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  detail::text(c, left + w / 2, top + h + 34, x_label, 0.5, 0, 14);
  detail::text(c, 16, top + h / 2, y_label, 0.5, 0, 14, -M_PI / 2);

  cairo_surface_flush(page.get());
  if (cairo_status(c) != CAIRO_STATUS_SUCCESS)
    throw Error(path, "drawing a profile", cairo_status_to_string(cairo_status(c)));
  if (cairo_surface_write_to_png(page.get(), path.c_str()) != CAIRO_STATUS_SUCCESS)
    throw Error(path, "writing PNG", "cairo could not write the file");
}

}  // namespace lofimap::io
