// Galaxies that passed validation, in the catalogue's own units and sign convention (before calibration), a
// chunk at a time; the linear calibration that makes them shear in the internal flat frame; and the weighted
// moments from which the calibrated shape noise follows without keeping the galaxies.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace lofimap::pipeline {

struct RawShearRows {
  std::vector<double> ra, dec, e1, e2, w;  // RA wrapped to [0, 360) deg
  std::vector<double> c1, c2;              // additive biases subtracted per galaxy (empty when not)
  std::size_t size() const { return ra.size(); }
  void clear() {
    for (auto* v : {&ra, &dec, &e1, &e2, &w, &c1, &c2}) v->clear();
  }
};

// g_i = sign_i (e_i / response - c_i - subtract_i) / divide for each component: linear in (e, c), so the same
// map turns one galaxy's shape, or a pixel's weighted mean shape (and mean c), into calibrated shear.
struct ShapeCalibration {
  double response = 1, subtract1 = 0, subtract2 = 0, divide = 1, sign1 = 1, sign2 = 1;
  bool per_galaxy_c = false;  // c1, c2 columns subtracted galaxy by galaxy
  void apply(double e1, double e2, double c1, double c2, double& g1, double& g2) const {
    g1 = sign1 * ((e1 / response - c1 - subtract1) / divide);
    g2 = sign2 * ((e2 / response - c2 - subtract2) / divide);
  }
};

// Weighted sums over galaxies of w, w e, w e^2, w c, w c^2 and w e c per component: enough for the weighted
// rms of the calibrated shapes, sum w (g1^2 + g2^2) / (2 sum w), since g is linear in (e, c).
struct ShapeMoments {
  static constexpr int kCount = 11;
  double v[kCount] = {};  // w, then per component: w e, w e^2, w c, w c^2, w e c (component 1, then 2)
  void add(const RawShearRows& rows) {
    const bool c = !rows.c1.empty();
    if (!c) {  // the c terms stay zero: only w, w e, w e^2 (a third of the work of the general loop)
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const double w = rows.w[i], e1 = rows.e1[i], e2 = rows.e2[i];
        v[0] += w;
        v[1] += w * e1, v[2] += w * e1 * e1;
        v[6] += w * e2, v[7] += w * e2 * e2;
      }
      return;
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const double w = rows.w[i];
      v[0] += w;
      const double e[2] = {rows.e1[i], rows.e2[i]}, cc[2] = {c ? rows.c1[i] : 0.0, c ? rows.c2[i] : 0.0};
      for (int k = 0; k < 2; ++k) {
        double* s = &v[1 + 5 * k];
        s[0] += w * e[k], s[1] += w * e[k] * e[k], s[2] += w * cc[k], s[3] += w * cc[k] * cc[k];
        s[4] += w * e[k] * cc[k];
      }
    }
  }
  double shape_noise(const ShapeCalibration& cal) const {
    if (!(v[0] > 0)) return 0;
    const double subtract[2] = {cal.subtract1, cal.subtract2};
    double total = 0;
    for (int k = 0; k < 2; ++k) {
      const double* s = &v[1 + 5 * k];
      // x = e / R - c: sum w x = S_e / R - S_c, sum w x^2 = S_ee / R^2 - 2 S_ec / R + S_cc.
      const double r = cal.response, sx = s[0] / r - s[2], sxx = s[1] / (r * r) - 2 * s[4] / r + s[3];
      total += (sxx - 2 * subtract[k] * sx + subtract[k] * subtract[k] * v[0]) / (cal.divide * cal.divide);
    }
    return total > 0 ? std::sqrt(total / (2 * v[0])) : 0.0;
  }
};

}  // namespace lofimap::pipeline
