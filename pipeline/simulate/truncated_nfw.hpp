// The projected NFW profile truncated in three dimensions at the halo radius (the density is zero beyond
// r_t = c r_s), in units where it depends on the concentration alone, and its Hankel transform for the
// halo-model power spectrum. Tabulated once per process (both are pure functions of (y, c)).
#pragma once

namespace lofimap::pipeline {

// F(y, c) = Sigma(R) / (2 rho_s r_s) at y = R / r_t in (0, 1] for concentration c = r_t / r_s. With
// x = R / r_s = c y, Sigma = 2 rho_s r_s int_0^sqrt(c^2 - x^2) ds / (u (1 + u)^2), u = sqrt(x^2 + s^2);
// u = x cosh(eta) makes the integrand smooth: F = int_0^arccosh(1/y) d eta / (1 + c y cosh eta)^2, zero for
// y >= 1. Quadrature (used to build the table and by tests).
double truncated_nfw_sigma_exact(double y, double c);

// The same from a table (bilinear in ln y and ln c; c clamped to [1, 40], y below 1e-5 taken at 1e-5).
double truncated_nfw_sigma(double y, double c);

// U(q, c) = int_0^1 F(y, c) J0(q y) y dy: the profile's 2-D Fourier transform in units of r_t (q = ell
// theta_t). U(0, c) = (ln(1 + c) - c / (1 + c)) / c^2: the projected mass equals the 3-D mass inside r_t.
// Tabulated for q up to 2000 (ell theta_t beyond it: 0; no map resolves such scales of a halo that large).
double truncated_nfw_fourier(double q, double c);
double truncated_nfw_fourier_exact(double q, double c);  // quadrature, without the table

}  // namespace lofimap::pipeline
