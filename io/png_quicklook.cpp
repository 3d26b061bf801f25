#include "io/png_quicklook.hpp"

#include <cairo.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "io/detail/plot_axes.hpp"
#include "io/error.hpp"

namespace lofimap::io {

using detail::format_tick;
using detail::nice_step;
using detail::text;
using detail::ticks;

namespace {

struct Rgb {
  double r, g, b;
};

// Piecewise-linear colour maps. Diverging: blue - white - red (negative kappa = voids blue, peaks red), the
// anchors of ColorBrewer's RdBu reversed. Sequential: viridis at nine anchors.
Rgb colour(Colormap map, double t) {
  static const std::vector<std::array<double, 3>> diverging = {
      {0.020, 0.188, 0.380}, {0.129, 0.400, 0.675}, {0.263, 0.576, 0.765}, {0.573, 0.773, 0.871},
      {0.820, 0.898, 0.941}, {0.969, 0.969, 0.969}, {0.992, 0.859, 0.780}, {0.957, 0.647, 0.510},
      {0.839, 0.376, 0.302}, {0.698, 0.094, 0.169}, {0.404, 0.000, 0.122}};
  static const std::vector<std::array<double, 3>> sequential = {
      {0.267, 0.005, 0.329}, {0.282, 0.141, 0.458}, {0.254, 0.265, 0.530}, {0.207, 0.372, 0.553},
      {0.164, 0.471, 0.558}, {0.128, 0.567, 0.551}, {0.135, 0.659, 0.518}, {0.267, 0.749, 0.441},
      {0.478, 0.821, 0.318}, {0.741, 0.873, 0.150}, {0.993, 0.906, 0.144}};
  const auto& a = map == Colormap::Diverging ? diverging : sequential;
  const double x = std::clamp(std::isfinite(t) ? t : 0.5, 0.0, 1.0) * static_cast<double>(a.size() - 1);
  const size_t i = std::min(static_cast<size_t>(x), a.size() - 2);
  const double f = x - static_cast<double>(i);
  return {(1 - f) * a[i][0] + f * a[i + 1][0], (1 - f) * a[i][1] + f * a[i + 1][1],
          (1 - f) * a[i][2] + f * a[i + 1][2]};
}

using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using Context = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

}  // namespace

std::pair<double, double> colour_limits(const Raster& raster, const QuicklookStyle& style) {
  if (style.vmax > style.vmin) return {style.vmin, style.vmax};
  std::vector<float> finite;
  for (float v : raster.values)
    if (std::isfinite(v)) finite.push_back(v);
  if (finite.empty()) finite.push_back(0);
  auto pct = [&](double q) {
    const size_t k = static_cast<size_t>(q * static_cast<double>(finite.size() - 1));
    std::nth_element(finite.begin(), finite.begin() + static_cast<long>(k), finite.end());
    return static_cast<double>(finite[k]);
  };
  if (style.colormap == Colormap::Diverging) {  // symmetric about the map's own median (a map with an offset)
    const double median = pct(0.5);
    const double a = std::max(std::abs(pct(0.005) - median), std::abs(pct(0.995) - median));
    return {median - (a > 0 ? a : 1), median + (a > 0 ? a : 1)};
  }
  const double lo = pct(0.0), hi = pct(1.0);
  return {lo, hi > lo ? hi : lo + 1};
}

namespace {

// The raster as an image at its own resolution (NaN: light grey), to be scaled without smoothing.
Surface raster_image(const Raster& raster, Colormap map, double vmin, double vmax) {
  Surface img(cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(raster.width),
                                         static_cast<int>(raster.height)),
              cairo_surface_destroy);
  cairo_surface_flush(img.get());
  unsigned char* data = cairo_image_surface_get_data(img.get());
  const int stride = cairo_image_surface_get_stride(img.get());
  for (long y = 0; y < raster.height; ++y) {
    auto* row = reinterpret_cast<std::uint32_t*>(data + y * stride);
    for (long x = 0; x < raster.width; ++x) {
      const float v = raster.values[static_cast<size_t>(y * raster.width + x)];
      const Rgb c = std::isfinite(v) ? colour(map, (v - vmin) / (vmax - vmin)) : Rgb{0.85, 0.85, 0.85};
      row[x] = (static_cast<std::uint32_t>(std::lround(c.r * 255)) << 16) |
               (static_cast<std::uint32_t>(std::lround(c.g * 255)) << 8) |
               static_cast<std::uint32_t>(std::lround(c.b * 255));
    }
  }
  cairo_surface_mark_dirty(img.get());
  return img;
}

}  // namespace

void write_quicklook_png(const std::string& path, const Raster& raster, const QuicklookStyle& style) {
  if (raster.width <= 0 || raster.height <= 0) throw Error(path, "writing PNG", "empty raster");
  if (raster.values.size() != static_cast<size_t>(raster.width * raster.height))
    throw Error(path, "writing PNG", "raster size does not match its values");
  const auto [vmin, vmax] = colour_limits(raster, style);

  // Map area: longest side 640 px, aspect kept; room for the title, axes and the colour bar.
  const double scale = 640.0 / static_cast<double>(std::max(raster.width, raster.height));
  const double mw = std::max(1.0, std::round(static_cast<double>(raster.width) * scale));
  const double mh = std::max(1.0, std::round(static_cast<double>(raster.height) * scale));
  const double left = style.has_axes ? 96 : 24, top = 52, bottom = style.has_axes ? 70 : 44, right = 130;
  const int width = static_cast<int>(left + mw + right), height = static_cast<int>(top + mh + bottom);

  Surface page(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height), cairo_surface_destroy);
  Context cr(cairo_create(page.get()), cairo_destroy);
  cairo_t* c = cr.get();
  cairo_set_source_rgb(c, 1, 1, 1);
  cairo_paint(c);
  cairo_select_font_face(c, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);

  // The map, each raster pixel a crisp block.
  {
    const Surface img = raster_image(raster, style.colormap, vmin, vmax);
    cairo_save(c);
    cairo_rectangle(c, left, top, mw, mh);
    cairo_clip(c);
    cairo_translate(c, left, top);
    cairo_scale(c, mw / static_cast<double>(raster.width), mh / static_cast<double>(raster.height));
    cairo_set_source_surface(c, img.get(), 0, 0);
    cairo_pattern_set_filter(cairo_get_source(c), CAIRO_FILTER_NEAREST);
    cairo_paint(c);
    cairo_restore(c);
  }
  cairo_set_source_rgb(c, 0, 0, 0);
  cairo_set_line_width(c, 1);
  cairo_rectangle(c, left - 0.5, top - 0.5, mw + 1, mh + 1);
  cairo_stroke(c);

  cairo_select_font_face(c, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  text(c, left + mw / 2, 18, style.title, 0.5, 0, 17);
  cairo_select_font_face(c, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);

  if (style.has_axes) {
    const double xstep = nice_step(std::abs(style.x_right - style.x_left), 5);
    for (double v : ticks(style.x_left, style.x_right, 5)) {
      const double x = std::round(left + (v - style.x_left) / (style.x_right - style.x_left) * mw) + 0.5;
      cairo_move_to(c, x, top + mh + 0.5);
      cairo_line_to(c, x, top + mh + 6.5);
      text(c, x, top + mh + 10, format_tick(v, xstep), 0.5, 0, 13);
    }
    const double ystep = nice_step(std::abs(style.y_top - style.y_bottom), 5);
    for (double v : ticks(style.y_bottom, style.y_top, 5)) {
      const double y =
          std::round(top + mh - (v - style.y_bottom) / (style.y_top - style.y_bottom) * mh) + 0.5;
      cairo_move_to(c, left - 6.5, y);
      cairo_line_to(c, left - 0.5, y);
      text(c, left - 10, y, format_tick(v, ystep), 1, 0.5, 13);
    }
    cairo_stroke(c);
    text(c, 16, top + mh / 2, style.y_label, 0.5, 0, 14, -M_PI / 2);
  }
  text(c, left + mw / 2, top + mh + (style.has_axes ? 34 : 12), style.x_label, 0.5, 0, 14);

  // Colour bar with its own ticks and label.
  const double cbx = left + mw + 22, cbw = 18;
  const auto bar = cairo_pattern_create_linear(0, top + mh, 0, top);
  for (int i = 0; i <= 32; ++i) {
    const Rgb col = colour(style.colormap, i / 32.0);
    cairo_pattern_add_color_stop_rgb(bar, i / 32.0, col.r, col.g, col.b);
  }
  cairo_rectangle(c, cbx, top, cbw, mh);
  cairo_set_source(c, bar);
  cairo_fill(c);
  cairo_pattern_destroy(bar);
  cairo_set_source_rgb(c, 0, 0, 0);
  cairo_rectangle(c, cbx - 0.5, top - 0.5, cbw + 1, mh + 1);
  cairo_stroke(c);
  const double cstep = nice_step(vmax - vmin, 5);
  for (double v : ticks(vmin, vmax, 5)) {
    const double y = std::round(top + mh - (v - vmin) / (vmax - vmin) * mh) + 0.5;
    cairo_move_to(c, cbx + cbw + 0.5, y);
    cairo_line_to(c, cbx + cbw + 5.5, y);
    text(c, cbx + cbw + 8, y, format_tick(v, cstep), 0, 0.5, 13);
  }
  cairo_stroke(c);
  text(c, cbx + cbw / 2, top - 8, style.colorbar_label, 0.5, 1, 14);

  cairo_surface_flush(page.get());
  if (cairo_status(c) != CAIRO_STATUS_SUCCESS)
    throw Error(path, "drawing PNG", cairo_status_to_string(cairo_status(c)));
  const auto status = cairo_surface_write_to_png(page.get(), path.c_str());
  if (status != CAIRO_STATUS_SUCCESS) throw Error(path, "writing PNG", cairo_status_to_string(status));
}

}  // namespace lofimap::io
