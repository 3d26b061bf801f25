#include "models/patch_sampler.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace lofimap::models {

namespace {

// Keys' cubic convolution kernel with a = -0.75 (the value LibTorch's bicubic sampling uses): weights of the
// taps at -1, 0, 1, 2 for a sample a fraction t past tap 0.
inline void cubic_weights(float t, float w[4]) {
  constexpr float a = -0.75f;
  auto near = [](float x) { return ((a + 2) * x - (a + 3)) * x * x + 1; };       // |x| <= 1
  auto far = [](float x) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; };  // 1 < |x| < 2
  w[0] = far(t + 1);
  w[1] = near(t);
  w[2] = near(1 - t);
  w[3] = far(2 - t);
}

constexpr long kMaxFastChannels = 8;  // channels summed in one fixed-width (vectorised) loop: 4 or 8

// A tap's channels summed over the 4 x 4 taps, `Stride` floats at a time (one or two SSE registers).
template <long Stride>
inline void sum_taps(const float* __restrict in, long w, const long rows[4], const long cols[4],
                     const float wx[4], const float wy[4], float value[Stride]) {
  for (long c = 0; c < Stride; ++c) value[c] = 0;
  for (int j = 0; j < 4; ++j) {
    const float* __restrict line = in + rows[j] * w * Stride;
    for (int i = 0; i < 4; ++i) {
      const float* __restrict tap = line + cols[i] * Stride;
      const float t = wy[j] * wx[i];
      for (long c = 0; c < Stride; ++c) value[c] += t * tap[c];
    }
  }
}

constexpr float kFar = 1e7f;  // grid pixels: farther positions give NaN (their tap indices would overflow)

// The grid index a tap at integer index i reads with reflection about the edges -0.5 and size - 0.5
// (align_corners = false), clipped into the grid.
inline long reflect(long i, long size) {
  if (i >= 0 && i < size) return i;  // the common cases first: inside, or within one grid of an edge
  if (i < 0 && i >= -size) return -1 - i;
  if (i >= size && i < 2 * size) return 2 * size - 1 - i;
  if (size == 1) return 0;
  const double x = std::fabs(static_cast<double>(i) + 0.5), span = static_cast<double>(size);
  const double extra = std::fmod(x, span);
  const long flips = static_cast<long>(std::floor(x / span));
  const double reflected = (flips % 2 == 0 ? extra : span - extra) - 0.5;
  return std::clamp(static_cast<long>(reflected), 0L, size - 1);
}

}  // namespace

torch::Tensor channels_last_for_sampling(const torch::Tensor& chw) {
  if (chw.dim() != 3) throw std::invalid_argument("patch sampler: one map's channels [C, H, W] expected");
  const auto c = chw.size(0);
  if (c > kMaxFastChannels) return chw.permute({1, 2, 0}).contiguous();
  auto grid = torch::zeros({chw.size(1), chw.size(2), c <= 4 ? 4 : kMaxFastChannels}, chw.options());
  grid.slice(2, 0, c).copy_(chw.permute({1, 2, 0}));
  return grid;
}

torch::Tensor sample_patch_spokes(const torch::Tensor& channels, long channel_count,
                                  const torch::Tensor& queries, const torch::Tensor& offsets, double scale,
                                  double pixel_arcmin, int angles, int rings) {
  if (channels.dim() != 3 || channels.scalar_type() != torch::kFloat32 || !channels.is_cpu() ||
      channel_count < 1 || channel_count > channels.size(2) ||
      (channel_count <= kMaxFastChannels && channels.size(2) != (channel_count <= 4 ? 4 : kMaxFastChannels)))
    throw std::invalid_argument("patch sampler: channels must be laid out by channels_last_for_sampling");
  if (queries.dim() != 2 || queries.size(1) != 2 || offsets.dim() != 2 ||
      offsets.size(0) != static_cast<int64_t>(angles) * rings || offsets.size(1) != 2)
    throw std::invalid_argument("patch sampler: queries [Q, 2] and offsets [angles * rings, 2] expected");
  const auto grid = channels.contiguous();
  const auto q_xy = queries.to(torch::kFloat32).contiguous();
  const auto off = (offsets.to(torch::kFloat32) * static_cast<float>(scale)).contiguous();
  const long h = grid.size(0), w = grid.size(1), stride = grid.size(2), c_count = channel_count;
  const int64_t q_count = q_xy.size(0);
  auto out = torch::empty({angles, c_count * rings, q_count}, grid.options());
  const float* src = grid.data_ptr<float>();
  const float* qp = q_xy.data_ptr<float>();
  const float* op = off.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  // Grid coordinates as the sampler forms them: u = x * 2 / (p W) in [-1, 1], then ((u + 1) W - 1) / 2.
  const float norm_x = static_cast<float>(2.0 / (pixel_arcmin * static_cast<double>(w)));
  const float norm_y = static_cast<float>(2.0 / (pixel_arcmin * static_cast<double>(h)));
  const float fw = static_cast<float>(w), fh = static_cast<float>(h);
  const int64_t features = c_count * rings;
  at::parallel_for(0, q_count, 64, [&](int64_t first, int64_t last) {
    const float* __restrict in = src;
    float* __restrict spokes = dst;
    for (int64_t q = first; q < last; ++q) {
      const float qx = qp[2 * q], qy = qp[2 * q + 1];
      for (int64_t m = 0; m < angles; ++m) {
        float* o_angle = spokes + m * features * q_count + q;
        for (int64_t n = 0; n < rings; ++n) {
          const int64_t p = m * rings + n;
          const float u = (qx + op[2 * p]) * norm_x, v = (qy + op[2 * p + 1]) * norm_y;
          const float ix = ((u + 1) * fw - 1) / 2, iy = ((v + 1) * fh - 1) / 2;
          float* o = o_angle + n * q_count;  // feature c*R + n of this query: o[c * rings * q_count]
          if (!(std::fabs(ix) < kFar &&
                std::fabs(iy) < kFar)) {  // not a number, or absurdly far off the grid
            for (long c = 0; c < c_count; ++c)
              o[c * rings * q_count] = std::numeric_limits<float>::quiet_NaN();
            continue;
          }
          long xi = static_cast<long>(ix),
               yi = static_cast<long>(iy);  // floor: truncation, then one down below 0
          xi -= ix < static_cast<float>(xi) ? 1 : 0;
          yi -= iy < static_cast<float>(yi) ? 1 : 0;
          float wx[4], wy[4];
          cubic_weights(ix - static_cast<float>(xi), wx);
          cubic_weights(iy - static_cast<float>(yi), wy);
          long cols[4], rows[4];
          for (int k = 0; k < 4; ++k) {
            cols[k] = reflect(xi - 1 + k, w);
            rows[k] = reflect(yi - 1 + k, h);
          }
          if (stride == 4 || stride == 8) {
            float value[8];
            if (stride == 4)
              sum_taps<4>(in, w, rows, cols, wx, wy, value);
            else
              sum_taps<8>(in, w, rows, cols, wx, wy, value);
            for (long c = 0; c < c_count; ++c) o[c * rings * q_count] = value[c];
          } else {
            for (long c = 0; c < c_count; ++c) {
              float sum = 0;
              for (int j = 0; j < 4; ++j)
                for (int i = 0; i < 4; ++i) sum += wy[j] * wx[i] * in[(rows[j] * w + cols[i]) * stride + c];
              o[c * rings * q_count] = sum;
            }
          }
        }
      }
    }
  });
  return out;
}

}  // namespace lofimap::models
