#include "models/lofi_network.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numbers>
#include <stdexcept>

#include "io/atomic_output.hpp"
#include "io/error.hpp"
#include "models/patch_sampler.hpp"

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
  // The published patch: ring n at radius n/4 training pixels, i.e. evenly spaced out to (R-1)/4 pixels.
  offsets = register_parameter("offsets", torch::zeros({a * r, 2}));
  scale = register_parameter("scale", torch::ones({1}));
  lay_out_patch(r > 1 ? (r - 1) / 4.0 : 0.25, false);

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

void LofiNetworkImpl::lay_out_patch(double outer_radius, bool geometric) {
  const int a = options_.angles, r = options_.rings;
  if (!(outer_radius > 0) || !std::isfinite(outer_radius))
    throw std::invalid_argument("LoFi --patch-radius: must be a finite number of training pixels > 0");
  constexpr double kInner = LofiOptions::kInnerRingPixels;
  if (geometric && (r < 3 || outer_radius <= kInner))
    throw std::invalid_argument(
        "LoFi --ring-spacing geometric: needs >= 3 rings and --patch-radius above 0.25 training pixels");
  auto radius_of = [&](int n) {  // training pixels
    if (r == 1 || n == 0) return 0.0;
    if (!geometric) return outer_radius * n / (r - 1);
    return kInner * std::pow(outer_radius / kInner, static_cast<double>(n - 1) / (r - 2));
  };
  // Ring n at angle 2 pi m / A, stored as [m * R + n, (x, y)] in arcmin.
  torch::NoGradGuard no_grad;
  auto off = torch::zeros({a * r, 2});
  for (int m = 0; m < a; ++m)
    for (int n = 0; n < r; ++n) {
      const double radius = radius_of(n) * options_.train_pixel_arcmin, phi = 2 * std::numbers::pi * m / a;
      off[m * r + n][0] = radius * std::cos(phi);
      off[m * r + n][1] = radius * std::sin(phi);
    }
  offsets.copy_(off.to(offsets.device()));
  scale.fill_(1.0);
}

torch::Tensor LofiNetworkImpl::prefilter(const torch::Tensor& input, double pixel_arcmin) {
  if (input.dim() != 4 || input.size(1) != options_.input_channels())
    throw std::invalid_argument("LoFi input: expected [batch, " + std::to_string(options_.input_channels()) +
                                ", H, W] (kappa_E, kappa_B" +
                                (options_.extra_channels ? " + extra channels" : std::string()) + "), got " +
                                std::to_string(input.dim()) + "-D with " +
                                std::to_string(input.dim() > 1 ? input.size(1) : 0) + " channels");
  if (!(pixel_arcmin > 0)) throw std::invalid_argument("LoFi input: pixel scale must be > 0");
  const int pad = options_.pad_pixels;
  const auto h = input.size(2), w = input.size(3), hp = h + 2 * pad, wp = w + 2 * pad;
  auto field = torch::complex(input.select(1, 0), input.select(1, 1));  // [B, H, W]
  field = torch::constant_pad_nd(torch::view_as_real(field).permute({0, 3, 1, 2}), {pad, pad, pad, pad});
  field = torch::view_as_complex(field.permute({0, 2, 3, 1}).contiguous());
  auto spectrum = torch::fft::fft2(field);
  // The filter at this grid's physical wavenumbers: k = 2 pi f / (n p) [rad/arcmin], normalised by the
  // training Nyquist pi / p_train to [-1, 1] (align_corners: the filter's edge samples sit at +-k_Nyq;
  // beyond, the edge value holds).
  const double k_nyq = std::numbers::pi / options_.train_pixel_arcmin;
  auto freq = [&](int64_t n) {
    return torch::fft::fftfreq(n, pixel_arcmin,
                               torch::TensorOptions().dtype(input.dtype()).device(input.device())) *
           (2 * std::numbers::pi / k_nyq);
  };
  const auto ky = freq(hp).view({hp, 1}).expand({hp, wp}), kx = freq(wp).view({1, wp}).expand({hp, wp});
  const auto grid = torch::stack({kx, ky}, -1).unsqueeze(0);  // [1, Hp, Wp, 2]
  const auto f =
      torch::grid_sampler(filter.unsqueeze(0).to(input.dtype()), grid, /*bilinear*/ 0, /*border*/ 1,
                          /*align_corners*/ true)[0];  // [2, Hp, Wp]
  spectrum = spectrum * torch::complex(f[0], f[1]).unsqueeze(0);
  auto filtered = torch::fft::ifft2(spectrum).slice(1, pad, pad + h).slice(2, pad, pad + w);
  return torch::cat({torch::real(filtered).unsqueeze(1), torch::imag(filtered).unsqueeze(1), input}, 1);
}

torch::Tensor LofiNetworkImpl::forward(const torch::Tensor& input, double pixel_arcmin,
                                       const torch::Tensor& queries) {
  return query(prefilter(input, pixel_arcmin), pixel_arcmin, queries);
}

void LofiNetworkImpl::check_query(const torch::Tensor& channels, const torch::Tensor& queries) const {
  if (queries.dim() != 3 || queries.size(2) != 2 || channels.dim() < 1 || queries.size(0) != channels.size(0))
    throw std::invalid_argument("LoFi queries: expected [batch, Q, 2] coordinates in arcmin");
  if (queries.size(1) == 0) throw std::invalid_argument("LoFi queries: the coordinate list is empty");
  if (channels.dim() != 4 || channels.size(1) != options_.sampled_channels())
    throw std::invalid_argument("LoFi query: expected prefiltered channels [batch, " +
                                std::to_string(options_.sampled_channels()) + ", H, W]");
}

torch::Tensor LofiNetworkImpl::query(const torch::Tensor& channels, double pixel_arcmin,
                                     const torch::Tensor& queries) {
  // Without gradients nothing has to be kept between layers, so large query sets run in chunks whose spoke
  // activations [angles, chunk, width] stay cache-sized: the bias, ReLU and layout passes then stay in cache
  // instead of streaming hundreds of MB through memory (published size, 2 threads: chunks of 1024, 2048, 4096
  // and 8192 queries gave 86%, 93%, 90% and 87% of the layer-shape matmul in one A/B run, whole batches 70%).
  const int64_t chunk = inference_chunk();
  check_query(channels, queries);
  if (!torch::GradMode::is_enabled() && channels.is_cpu() && channels.scalar_type() == torch::kFloat32 &&
      channels.size(0) == 1) {
    // One map on the CPU: the inference sampler reads the channels last ([H, W, C], laid out once per call)
    // and writes the spokes' layout directly.
    // The layout is kept for the next call on the same channels: evaluate_in_batches queries one map batch
    // after batch, and a 4096^2 grid's layout is 0.5 GB to copy.
    if (!sampling_source_.defined() || !sampling_source_.is_same(channels) ||
        sampling_version_ != channels._version()) {
      sampling_grid_ = channels_last_for_sampling(channels[0]);
      sampling_source_ = channels, sampling_version_ = channels._version();
    }
    const auto& grid = sampling_grid_;
    const double s = scale.item<double>();
    std::vector<torch::Tensor> parts;
    for (int64_t first = 0; first < queries.size(1); first += chunk) {
      const auto block = queries[0].slice(0, first, std::min(queries.size(1), first + chunk));
      parts.push_back(mlp_feature_major(sample_patch_spokes(grid, channels.size(1), block, offsets, s,
                                                            pixel_arcmin, options_.angles, options_.rings)));
    }
    return parts.size() == 1 ? parts[0] : torch::cat(parts, 1);
  }
  if (!torch::GradMode::is_enabled() && queries.size(1) > chunk) {
    std::vector<torch::Tensor> parts;
    for (int64_t s = 0; s < queries.size(1); s += chunk)
      parts.push_back(
          query_block(channels, pixel_arcmin, queries.slice(1, s, std::min(queries.size(1), s + chunk))));
    return torch::cat(parts, 1);
  }
  return query_block(channels, pixel_arcmin, queries);
}

torch::Tensor LofiNetworkImpl::query_block(const torch::Tensor& channels, double pixel_arcmin,
                                           const torch::Tensor& queries) {
  const auto b = channels.size(0), c = channels.size(1), h = channels.size(2), w = channels.size(3);
  const int a = options_.angles, r = options_.rings;
  // Sample positions [B, Q, A*R, 2] in arcmin -> grid_sample coordinates (align_corners = false):
  // u = 2 x / (p W), v = 2 y / (p H).
  auto pos = queries.unsqueeze(2) + scale * offsets.unsqueeze(0).unsqueeze(0);
  const auto norm = torch::tensor(
      {2.0 / (pixel_arcmin * static_cast<double>(w)), 2.0 / (pixel_arcmin * static_cast<double>(h))},
      torch::TensorOptions().dtype(channels.dtype()).device(channels.device()));
  pos = pos * norm;
  const auto q = queries.size(1);
  const auto samples =  // [B, C, Q, A*R]
      torch::grid_sampler(channels, pos, /*bicubic*/ 2, /*reflection*/ 2, /*align_corners*/ false);
  // [B, C, Q, A*R] -> spokes [A, B*Q, C*R]
  return mlp(samples.view({b, c, q, a, r}).permute({3, 0, 2, 1, 4}).reshape({a, b * q, c * r}), b, q);
}

torch::Tensor LofiNetworkImpl::mlp(torch::Tensor x, int64_t b, int64_t q) {
  const int a = options_.angles;
  for (size_t l = 0; l < spoke_weight.size(); ++l) {
    // In-place ReLU: baddbmm's backward needs its inputs, not its output, and relu_'s needs only its result.
    x = torch::baddbmm(spoke_bias[l], x, spoke_weight[l])
            .relu_();  // the spoke output feeds the mixer through a ReLU too
  }
  x = x.permute({1, 0, 2}).reshape({b * q, a * options_.spoke_out});
  return mixer->forward(x).view({b, q});
}

torch::Tensor LofiNetworkImpl::mlp_feature_major(torch::Tensor x) {
  // Each layer is W^T X: the BLAS's rows are the layer's outputs (64-370) and its columns the chunk's
  // thousands of queries, a shape it runs faster than X W when X has few columns (36 sampled values per
  // spoke: 2.7 against 4.2 ms per 4,096 queries); the spoke outputs [A, out, Q] are then the mixer's input [A
  // * out, Q] without a copy. Medium size, 2 threads: 35.5 -> 24.4 ms per 4,096 queries.
  const int64_t a = options_.angles, q = x.size(2);
  for (size_t l = 0; l < spoke_weight.size(); ++l)
    x = torch::baddbmm(spoke_bias[l].transpose(1, 2), spoke_weight[l].transpose(1, 2), x).relu_();
  x = x.reshape({a * options_.spoke_out, q});
  const auto layers = mixer->children();
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto* linear = layers[i]->as<torch::nn::Linear>();
    if (!linear) continue;  // the ReLUs, applied in place below
    x = torch::addmm(linear->bias.unsqueeze(1), linear->weight, x);
    if (i + 1 < layers.size()) x.relu_();
  }
  return x.view({1, q});
}

int64_t LofiNetworkImpl::inference_chunk() const {
  int width = options_.spoke_out;
  for (int h : options_.spoke_hidden) width = std::max(width, h);
  // The largest power of two with spoke activations of at most 32 MiB (2048 queries at the published size).
  const double budget = 32.0 * (1 << 20) / (4.0 * options_.angles * width);
  int64_t chunk = 512;
  while (chunk * 2 <= budget && chunk < 65536) chunk *= 2;
  return chunk;
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

void save_lofi(LofiNetwork& net, const std::string& path, const std::string& calibration) {
  torch::serialize::OutputArchive archive;
  archive.write("lofimap_options", c10::IValue(net->options().to_json()));
  archive.write("lofimap_hash", c10::IValue(lofi_hash(net)));
  if (!calibration.empty()) archive.write("lofimap_calibration", c10::IValue(calibration));
  for (const auto& item : net->named_parameters()) archive.write(item.key(), item.value().detach().cpu());
  io::AtomicOutput out(path,
                       /*overwrite*/ true);  // written beside the target, renamed into place when complete
  archive.save_to(out.temp_path());
  out.commit();
}

LofiNetwork load_lofi(const std::string& path, const LofiOptions* expected) {
  if (!std::filesystem::exists(path)) throw io::Error(path, "reading a LoFi model", "file not found");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const std::exception& e) {
    throw io::Error(path, "reading a LoFi model",
                    "not a LoFi model file (cannot be read: corrupt or another format)");
  }
  c10::IValue options_value, hash_value;
  if (!archive.try_read("lofimap_options", options_value) || !options_value.isString())
    throw io::Error(path, "reading a LoFi model", "not a LoFi model file (no options record)");
  LofiOptions options;
  try {  // options beyond their limits (a corrupt file, say rings = 10^8) are refused before anything is
         // sized
    options = LofiOptions::from_json(options_value.toStringRef());
    options.validate();
  } catch (const std::invalid_argument& e) {
    throw io::Error(path, "reading a LoFi model", e.what());
  }
  if (expected) {
    const auto diff = expected->difference(options);
    if (!diff.empty())
      throw std::invalid_argument(path + ": model options differ from the requested ones: " + diff);
  }
  LofiNetwork net(options);
  torch::NoGradGuard no_grad;
  for (auto& item : net->named_parameters()) {
    torch::Tensor t;
    if (!archive.try_read(item.key(), t))
      throw io::Error(path, "reading a LoFi model", "parameter " + item.key() + " missing");
    if (!t.sizes().equals(item.value().sizes()))
      throw io::Error(path, "reading a LoFi model", "parameter " + item.key() + " has the wrong shape");
    if (!torch::isfinite(t).all().item<bool>())
      throw io::Error(path, "reading a LoFi model",
                      "parameter " + item.key() + " holds values that are not finite numbers");
    item.value().copy_(t);
  }
  if (archive.try_read("lofimap_hash", hash_value) && hash_value.isString() &&
      hash_value.toStringRef() != lofi_hash(net))
    throw io::Error(path, "reading a LoFi model", "content hash mismatch (file corrupt)");
  return net;
}

void write_calibrated_lofi(const std::string& model, const std::string& output,
                           const std::string& calibration) {
  LofiNetwork net = load_lofi(model);
  save_lofi(net, output, calibration);
}

std::string read_lofi_calibration(const std::string& path) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const std::exception&) {
    throw io::Error(path, "reading a LoFi model", "not a LoFi model file (cannot be read)");
  }
  c10::IValue value;
  if (!archive.try_read("lofimap_calibration", value)) return "";
  if (!value.isString()) throw io::Error(path, "reading a LoFi model", "the calibration record is not text");
  return value.toStringRef();
}

}  // namespace lofimap::models
