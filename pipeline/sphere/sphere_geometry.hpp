// HEALPix pixel geometry (RING ordering) for callers that must not include HEALPix headers (they define
// macros and global names such as RING and pi): nside checks and pixel <-> (RA, Dec) in degrees.
#pragma once

namespace lofimap::pipeline {

// Throws std::invalid_argument naming --nside unless nside is a power of two in [1, 8192].
void validate_nside(long nside);

long long sphere_ang2pix(long nside, double ra_deg, double dec_deg);
void sphere_pix2ang(long nside, long long pixel, double& ra_deg, double& dec_deg);

}  // namespace lofimap::pipeline
