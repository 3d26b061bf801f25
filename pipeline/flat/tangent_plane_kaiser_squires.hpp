// Kaiser-Squires on the plane of a gnomonic projection with its filters (smoothing, large-scale cut) taken as
// Gaussians on the sky, as a spherical map's are, instead of on the plane.
//
// The plane's tangent point is the grid's centre ((nx - 1) / 2, (ny - 1) / 2); pixels are `pixel_rad` of the
// plane apart (plane units: tan of the angle from the tangent point). An on-sky Gaussian of variance s^2 at
// plane point (u, v), r^2 = u^2 + v^2, is one of covariance s^2 (I + D) on the plane: the projection
// stretches by sec^2(theta) = 1 + r^2 along the radius and sec(theta) across it, so
//   D_xx = u^2 (2 + r^2) + v^2,  D_xy = u v (1 + r^2),  D_yy = v^2 (2 + r^2) + u^2.
// A Gaussian obeys the heat equation, dG/dC_ij = d_i d_j G / 2, so the map is corrected to first order in D:
// kappa += D_ij d_i d_j (sum_n v_n G_n * kappa) / 2 over the transfer's Gaussians G_n of variance v_n
// (signed), the derivatives taken in Fourier space. Uncorrected, 8' smoothing 4.5 deg out is 0.6% narrower on
// the sky than at the tangent point, and a halo's smoothed peak there 0.5% off: two overlapping regions'
// planes then disagree at a halo by several per cent of the map's rms. Left out: terms of order D^2 and the
// lensing relations' own distortion on the plane (the anisotropic stretch's and the connection's terms); the
// unit test measures all of them together below 5e-4 of a compact halo's peak 6 deg out.
//
// The shear is expected in the frame gnomonic_frame_angle gives. Without smoothing this is
// flat_kaiser_squires (the large-scale cut alone is left on the plane: its correction is a few 1e-3 of the
// large scales at a region's margin and would cost three more FFTs, a fifth of an unsmoothed region map's
// time).
#pragma once

#include "pipeline/core/field_pair.hpp"

namespace lofimap::pipeline {

// Sigmas in pixels (as flat_kaiser_squires: transfer G(smoothing) * (1 - G(removed)); 0 = none).
FlatFieldPair tangent_plane_kaiser_squires(const FlatFieldPair& shear, double pad,
                                           double smoothing_sigma_pixels, double removed_sigma_pixels,
                                           double pixel_rad);

}  // namespace lofimap::pipeline
