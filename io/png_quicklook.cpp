#include "io/png_quicklook.hpp"

#include <png.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>

#include "io/bitmap_font.hpp"
#include "io/error.hpp"

namespace lofimap::io {

namespace {

struct Rgb {
  std::uint8_t r, g, b;
};

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), px_(static_cast<size_t>(w * h), Rgb{255, 255, 255}) {}
  int width() const { return w_; }
  int height() const { return h_; }
  void set(int x, int y, Rgb c) {
    if (x >= 0 && y >= 0 && x < w_ && y < h_) px_[static_cast<size_t>(y * w_ + x)] = c;
  }
  void rect(int x0, int y0, int x1, int y1, Rgb c) {
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) set(x, y, c);
  }
  void frame(int x0, int y0, int x1, int y1, Rgb c) {
    for (int x = x0; x <= x1; ++x) set(x, y0, c), set(x, y1, c);
    for (int y = y0; y <= y1; ++y) set(x0, y, c), set(x1, y, c);
  }
  // Text at scale s (glyph cell 6s x 8s); anchor: 0 left, 1 centre, 2 right.
  void text(int x, int y, const std::string& s, int anchor = 0, int scale = 2, Rgb c = {0, 0, 0}) {
    const int cell = 6 * scale;
    int x0 = x - (anchor == 1 ? cell * static_cast<int>(s.size()) / 2 : anchor == 2 ? cell * static_cast<int>(s.size()) : 0);
    for (char ch : s) {
      const auto g = detail::glyph(ch);
      for (int row = 0; row < 7; ++row)
        for (int col = 0; col < 5; ++col)
          if (g[static_cast<size_t>(row)] & (0x10 >> col))
            rect(x0 + col * scale, y + row * scale, x0 + (col + 1) * scale, y + (row + 1) * scale, c);
      x0 += cell;
    }
  }
  // Text rotated by 90 degrees (reading upwards), centred on (x, y).
  void text_vertical(int x, int y, const std::string& s, int scale = 2) {
    const int cell = 6 * scale;
    int y0 = y + cell * static_cast<int>(s.size()) / 2;
    for (char ch : s) {
      const auto g = detail::glyph(ch);
      for (int row = 0; row < 7; ++row)
        for (int col = 0; col < 5; ++col)
          if (g[static_cast<size_t>(row)] & (0x10 >> col))
            rect(x + row * scale, y0 - (col + 1) * scale, x + (row + 1) * scale, y0 - col * scale, {0, 0, 0});
      y0 -= cell;
    }
  }
  const std::vector<Rgb>& pixels() const { return px_; }

 private:
  int w_, h_;
  std::vector<Rgb> px_;
};

Rgb lerp_anchors(const std::vector<std::array<float, 3>>& anchors, double t) {
  t = std::clamp(t, 0.0, 1.0) * static_cast<double>(anchors.size() - 1);
  const size_t i = std::min(static_cast<size_t>(t), anchors.size() - 2);
  const double f = t - static_cast<double>(i);
  auto mix = [&](int k) {
    return static_cast<std::uint8_t>(std::lround(255.0 * ((1 - f) * anchors[i][k] + f * anchors[i + 1][k])));
  };
  return {mix(0), mix(1), mix(2)};
}

Rgb colour(Colormap map, double t) {
  // Diverging: blue - white - red (negative kappa = voids blue, peaks red). Sequential: viridis anchors.
  static const std::vector<std::array<float, 3>> diverging = {
      {0.23f, 0.30f, 0.75f}, {0.55f, 0.69f, 1.00f}, {0.97f, 0.97f, 0.97f}, {0.96f, 0.60f, 0.48f}, {0.71f, 0.02f, 0.15f}};
  static const std::vector<std::array<float, 3>> sequential = {
      {0.267f, 0.005f, 0.329f}, {0.229f, 0.322f, 0.546f}, {0.128f, 0.567f, 0.551f}, {0.369f, 0.789f, 0.383f},
      {0.993f, 0.906f, 0.144f}};
  return lerp_anchors(map == Colormap::Diverging ? diverging : sequential, t);
}

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
  return buf;
}

std::vector<double> ticks(double a, double b, int target) {
  const double lo = std::min(a, b), hi = std::max(a, b);
  if (!(hi > lo)) return {};
  const double step = nice_step(hi - lo, target);
  std::vector<double> out;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push_back(v);
  return out;
}

void save_png(const std::string& path, const Canvas& canvas) {
  FILE* fp = std::fopen(path.c_str(), "wb");
  if (!fp) throw Error(path, "writing PNG", "cannot open for writing");
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(fp);
    throw Error(path, "writing PNG", "libpng failed");
  }
  png_init_io(png, fp);
  png_set_IHDR(png, info, static_cast<png_uint_32>(canvas.width()), static_cast<png_uint_32>(canvas.height()), 8,
               PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < canvas.height(); ++y) {
    auto* row = const_cast<Rgb*>(canvas.pixels().data() + static_cast<size_t>(y * canvas.width()));
    png_write_row(png, reinterpret_cast<png_bytep>(row));
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  if (std::fclose(fp) != 0) throw Error(path, "writing PNG", "close failed (disk full?)");
}

}  // namespace

void write_quicklook_png(const std::string& path, const Raster& raster, const QuicklookStyle& style) {
  if (raster.width <= 0 || raster.height <= 0) throw Error(path, "writing PNG", "empty raster");
  // Colour limits: robust (percentile) so one bright cluster does not wash out the map.
  double vmin = style.vmin, vmax = style.vmax;
  if (!(vmax > vmin)) {
    std::vector<float> finite;
    for (float v : raster.values)
      if (std::isfinite(v)) finite.push_back(v);
    if (finite.empty()) finite.push_back(0);
    auto pct = [&](double q) {
      const size_t k = static_cast<size_t>(q * static_cast<double>(finite.size() - 1));
      std::nth_element(finite.begin(), finite.begin() + static_cast<long>(k), finite.end());
      return static_cast<double>(finite[k]);
    };
    if (style.colormap == Colormap::Diverging) {
      const double a = std::max(std::abs(pct(0.005)), std::abs(pct(0.995)));
      vmin = -(a > 0 ? a : 1);
      vmax = a > 0 ? a : 1;
    } else {
      vmin = pct(0.0);
      vmax = pct(1.0);
      if (!(vmax > vmin)) vmax = vmin + 1;
    }
  }

  // Map area: longest side ~640 px, aspect kept.
  const double scale = 640.0 / static_cast<double>(std::max(raster.width, raster.height));
  const int mw = std::max(1, static_cast<int>(std::lround(static_cast<double>(raster.width) * scale)));
  const int mh = std::max(1, static_cast<int>(std::lround(static_cast<double>(raster.height) * scale)));
  const int left = 90, top = 40, bottom = 60, right = 150;
  Canvas canvas(left + mw + right, top + mh + bottom);

  for (int y = 0; y < mh; ++y) {
    const long ry = std::min(raster.height - 1, static_cast<long>(static_cast<double>(y) / scale));
    for (int x = 0; x < mw; ++x) {
      const long rx = std::min(raster.width - 1, static_cast<long>(static_cast<double>(x) / scale));
      const float v = raster.values[static_cast<size_t>(ry * raster.width + rx)];
      canvas.set(left + x, top + y,
                 std::isfinite(v) ? colour(style.colormap, (v - vmin) / (vmax - vmin)) : Rgb{200, 200, 200});
    }
  }
  canvas.frame(left - 1, top - 1, left + mw, top + mh, {0, 0, 0});
  canvas.text(left + mw / 2, 12, style.title, 1);

  if (style.has_axes) {
    for (double v : ticks(style.x_left, style.x_right, 5)) {
      const int x = left + static_cast<int>(std::lround((v - style.x_left) / (style.x_right - style.x_left) * mw));
      canvas.rect(x, top + mh, x + 1, top + mh + 6, {0, 0, 0});
      canvas.text(x, top + mh + 10, format_tick(v, nice_step(std::abs(style.x_right - style.x_left), 5)), 1);
    }
    for (double v : ticks(style.y_bottom, style.y_top, 5)) {
      const int y = top + mh - static_cast<int>(std::lround((v - style.y_bottom) / (style.y_top - style.y_bottom) * mh));
      canvas.rect(left - 6, y, left, y + 1, {0, 0, 0});
      canvas.text(left - 8, y - 7, format_tick(v, nice_step(std::abs(style.y_top - style.y_bottom), 5)), 2);
    }
    canvas.text_vertical(8, top + mh / 2, style.y_label);
  }
  canvas.text(left + mw / 2, top + mh + 34, style.x_label, 1);

  // Colour bar with its own ticks.
  const int cbx = left + mw + 20, cbw = 20;
  for (int y = 0; y < mh; ++y) {
    const double t = 1.0 - static_cast<double>(y) / std::max(1, mh - 1);
    canvas.rect(cbx, top + y, cbx + cbw, top + y + 1, colour(style.colormap, t));
  }
  canvas.frame(cbx - 1, top - 1, cbx + cbw, top + mh, {0, 0, 0});
  const double cstep = nice_step(vmax - vmin, 5);
  for (double v : ticks(vmin, vmax, 5)) {
    const int y = top + mh - static_cast<int>(std::lround((v - vmin) / (vmax - vmin) * mh));
    canvas.rect(cbx + cbw, y, cbx + cbw + 5, y + 1, {0, 0, 0});
    canvas.text(cbx + cbw + 8, y - 7, format_tick(v, cstep), 0);
  }
  canvas.text(cbx + cbw / 2, top + mh + 34, style.colorbar_label, 1);
  save_png(path, canvas);
}

}  // namespace lofimap::io
