// Internal to io/: what every Cairo figure of lofimap shares: tick steps and labels, and anchored text.
#pragma once

#include <cairo.h>

#include <string>
#include <vector>

namespace lofimap::io::detail {

// A round step (1, 2 or 5 times a power of ten) giving about `target` intervals over `span`.
double nice_step(double span, int target);
// A tick label with as many decimals as the step needs (scientific beyond 1e4 or below 1e-3), typographic
// minus.
std::string format_tick(double v, double step);
// Ticks at multiples of the nice step within [a, b] (either order).
std::vector<double> ticks(double a, double b, int target);
// Text anchored at (x, y): ax 0 left, 0.5 centre, 1 right; ay 0 top, 0.5 middle, 1 baseline-bottom.
void text(cairo_t* cr, double x, double y, const std::string& s, double ax, double ay, double size,
          double angle = 0);

}  // namespace lofimap::io::detail
