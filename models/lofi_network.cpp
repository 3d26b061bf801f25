#include "models/lofi_network.hpp"

#include <malloc.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numbers>
#include <stdexcept>

namespace lofimap::models {

namespace {

// nn.Linear's default initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases.
torch::Tensor uniform(std::vector<int64_t> shape, int fan_in) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  return torch::empty(shape).uniform_(-bound, bound);
}

}  // namespace

LofiNetworkImpl::LofiNetworkImpl(const LofiOptions& o) : options_(o) {
  o.validate();
  const int a = o.angles, r = o.rings;
  filter = register_parameter("filter", torch::stack({torch::ones({o.filter_size, o.filter_size}),
                                                      torch::zeros({o.filter_size, o.filter_size})}));
  // Ring n at radius n/4 training pixels, angle 2 pi m / A; stored as [m * R + n, (x, y)] in arcmin.
  auto off = torch::zeros({a * r, 2});
  for (int m = 0; m < a; ++m)
    for (int n = 0; n < r; ++n) {
      const double radius = n * o.train_pixel_arcmin / 4, phi = 2 * std::numbers::pi * m / a;
      off[m * r + n][0] = radius * std::cos(phi);
      off[m * r + n][1] = radius * std::sin(phi);
    }
  offsets = register_parameter("offsets", off);
  scale = register_parameter("scale", torch::ones({1}));

  int in = o.sampled_channels() * r;
  std::vector<int> sizes = o.spoke_hidden;
  sizes.push_back(o.spoke_out);
  for (size_t l = 0; l < sizes.size(); ++l) {
    spoke_weight.push_back(register_parameter("spoke_w" + std::to_string(l), uniform({a, in, sizes[l]}, in)));
    spoke_bias.push_back(register_parameter("spoke_b" + std::to_string(l), uniform({a, 1, sizes[l]}, in)));
    in = sizes[l];
  }
  mixer = torch::nn::Sequential();
  in = a * o.spoke_out;
  for (int h : o.mixer_hidden) {
    mixer->push_back(torch::nn::Linear(in, h));
    mixer->push_back(torch::nn::ReLU(torch::nn::ReLUOptions().inplace(true)));
    in = h;
  }
  mixer->push_back(torch::nn::Linear(in, 1));
  register_module("mixer", mixer);
}

torch::Tensor LofiNetworkImpl::prefilter(const torch::Tensor& input, double pixel_arcmin) {
  if (input.dim() != 4 || input.size(1) != options_.input_channels())
    throw std::invalid_argument("LoFi input: expected [batch, " + std::to_string(options_.input_channels()) +
                                ", H, W] (kappa_E, kappa_B" + (options_.extra_channels ? " + extra channels" : std::string()) +
                                "), got " + std::to_string(input.dim()) + "-D with " +
                                std::to_string(input.dim() > 1 ? input.size(1) : 0) + " channels");
  if (!(pixel_arcmin > 0)) throw std::invalid_argument("LoFi input: pixel scale must be > 0");
  const int pad = options_.pad_pixels;
  const auto h = input.size(2), w = input.size(3), hp = h + 2 * pad, wp = w + 2 * pad;
  auto field = torch::complex(input.select(1, 0), input.select(1, 1));  // [B, H, W]
  field = torch::constant_pad_nd(torch::view_as_real(field).permute({0, 3, 1, 2}), {pad, pad, pad, pad});
  field = torch::view_as_complex(field.permute({0, 2, 3, 1}).contiguous());
  auto spectrum = torch::fft::fft2(field);
  // The filter at this grid's physical wavenumbers: k = 2 pi f / (n p) [rad/arcmin], normalised by the
  // training Nyquist pi / p_train to [-1, 1] (align_corners: the filter's edge samples sit at +-k_Nyq; beyond,
  // the edge value holds).
  const double k_nyq = std::numbers::pi / options_.train_pixel_arcmin;
  auto freq = [&](int64_t n) {
    return torch::fft::fftfreq(n, pixel_arcmin, torch::TensorOptions().dtype(input.dtype()).device(input.device())) *
           (2 * std::numbers::pi / k_nyq);
  };
  const auto ky = freq(hp).view({hp, 1}).expand({hp, wp}), kx = freq(wp).view({1, wp}).expand({hp, wp});
  const auto grid = torch::stack({kx, ky}, -1).unsqueeze(0);  // [1, Hp, Wp, 2]
  const auto f = torch::grid_sampler(filter.unsqueeze(0).to(input.dtype()), grid, /*bilinear*/ 0, /*border*/ 1,
                                     /*align_corners*/ true)[0];  // [2, Hp, Wp]
  spectrum = spectrum * torch::complex(f[0], f[1]).unsqueeze(0);
  auto filtered = torch::fft::ifft2(spectrum).slice(1, pad, pad + h).slice(2, pad, pad + w);
  return torch::cat({torch::real(filtered).unsqueeze(1), torch::imag(filtered).unsqueeze(1), input}, 1);
}

torch::Tensor LofiNetworkImpl::forward(const torch::Tensor& input, double pixel_arcmin, const torch::Tensor& queries) {
  if (queries.dim() != 3 || queries.size(2) != 2 || queries.size(0) != input.size(0))
    throw std::invalid_argument("LoFi queries: expected [batch, Q, 2] coordinates in arcmin");
  if (queries.size(1) == 0) throw std::invalid_argument("LoFi queries: the coordinate list is empty");
  const auto channels = prefilter(input, pixel_arcmin);  // [B, C, H, W]
  const auto b = input.size(0), q = queries.size(1), c = channels.size(1);
  const auto h = input.size(2), w = input.size(3);
  const int a = options_.angles, r = options_.rings;
  // Sample positions [B, Q, A*R, 2] in arcmin -> grid_sample coordinates (align_corners = false):
  // u = 2 x / (p W), v = 2 y / (p H).
  auto pos = queries.unsqueeze(2) + scale * offsets.unsqueeze(0).unsqueeze(0);
  const auto norm = torch::tensor({2.0 / (pixel_arcmin * static_cast<double>(w)), 2.0 / (pixel_arcmin * static_cast<double>(h))},
                                  torch::TensorOptions().dtype(input.dtype()).device(input.device()));
  pos = pos * norm;
  auto samples = torch::grid_sampler(channels, pos, /*bicubic*/ 2, /*reflection*/ 2, /*align_corners*/ false);
  // [B, C, Q, A*R] -> spokes [A, B*Q, C*R]
  samples = samples.view({b, c, q, a, r}).permute({3, 0, 2, 1, 4}).reshape({a, b * q, c * r});
  auto x = samples;
  for (size_t l = 0; l < spoke_weight.size(); ++l) {
    // In-place ReLU: baddbmm's backward needs its inputs, not its output, and relu_'s needs only its result.
    x = torch::baddbmm(spoke_bias[l], x, spoke_weight[l]).relu_();  // the spoke output feeds the mixer through a ReLU too
  }
  x = x.permute({1, 0, 2}).reshape({b * q, a * options_.spoke_out});
  return mixer->forward(x).view({b, q});
}

long long LofiNetworkImpl::parameter_count() {
  long long n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

double LofiNetworkImpl::flops_per_query() const {
  const auto& o = options_;
  double flops = 0;
  int in = o.sampled_channels() * o.rings;
  std::vector<int> sizes = o.spoke_hidden;
  sizes.push_back(o.spoke_out);
  for (int s : sizes) flops += 2.0 * o.angles * in * s, in = s;
  in = o.angles * o.spoke_out;
  std::vector<int> mix = o.mixer_hidden;
  mix.push_back(1);
  for (int s : mix) flops += 2.0 * in * s, in = s;
  return flops;
}

void retain_freed_memory() {
  mallopt(M_MMAP_MAX, 0);              // large blocks from the heap too (glibc caps M_MMAP_THRESHOLD at 32 MiB)
  mallopt(M_TRIM_THRESHOLD, 1 << 30);  // and kept there after free
}

std::string lofi_hash(LofiNetwork& net) {
  std::uint64_t h = 1469598103934665603ull;
  auto feed = [&](const void* data, size_t bytes) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < bytes; ++i) h = (h ^ p[i]) * 1099511628211ull;
  };
  const std::string o = net->options().to_json();
  feed(o.data(), o.size());
  for (const auto& item : net->named_parameters()) {
    feed(item.key().data(), item.key().size());
    const auto t = item.value().detach().to(torch::kCPU, torch::kFloat32).contiguous();
    feed(t.data_ptr<float>(), static_cast<size_t>(t.numel()) * sizeof(float));
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void save_lofi(LofiNetwork& net, const std::string& path) {
  torch::serialize::OutputArchive archive;
  archive.write("lofimap_options", c10::IValue(net->options().to_json()));
  archive.write("lofimap_hash", c10::IValue(lofi_hash(net)));
  for (const auto& item : net->named_parameters()) archive.write(item.key(), item.value().detach().cpu());
  const std::filesystem::path target(path);
  const auto temp = target.parent_path() / ("." + target.filename().string() + ".tmp");
  archive.save_to(temp.string());
  std::filesystem::rename(temp, target);
}

LofiNetwork load_lofi(const std::string& path, const LofiOptions* expected) {
  if (!std::filesystem::exists(path)) throw std::runtime_error(path + ": LoFi model file not found");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": not a LoFi model file (cannot be read: corrupt or another format)");
  }
  c10::IValue options_value, hash_value;
  if (!archive.try_read("lofimap_options", options_value) || !options_value.isString())
    throw std::runtime_error(path + ": not a LoFi model file (no options record)");
  const auto options = LofiOptions::from_json(options_value.toStringRef());
  if (expected) {
    const auto diff = expected->difference(options);
    if (!diff.empty()) throw std::invalid_argument(path + ": model options differ from the requested ones: " + diff);
  }
  LofiNetwork net(options);
  torch::NoGradGuard no_grad;
  for (auto& item : net->named_parameters()) {
    torch::Tensor t;
    if (!archive.try_read(item.key(), t)) throw std::runtime_error(path + ": parameter " + item.key() + " missing");
    if (!t.sizes().equals(item.value().sizes())) throw std::runtime_error(path + ": parameter " + item.key() + " has the wrong shape");
    item.value().copy_(t);
  }
  if (archive.try_read("lofimap_hash", hash_value) && hash_value.isString() && hash_value.toStringRef() != lofi_hash(net))
    throw std::runtime_error(path + ": content hash mismatch (file corrupt)");
  return net;
}

}  // namespace lofimap::models
