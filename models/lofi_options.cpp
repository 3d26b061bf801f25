#include "models/lofi_options.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <stdexcept>

namespace lofimap::models {

namespace {
LofiOptions with_layers(std::vector<int> spoke_hidden, int spoke_out, std::vector<int> mixer_hidden,
                        int filter) {
  LofiOptions o;
  o.spoke_hidden = std::move(spoke_hidden);
  o.spoke_out = spoke_out;
  o.mixer_hidden = std::move(mixer_hidden);
  o.filter_size = filter;
  return o;
}
}  // namespace

LofiOptions LofiOptions::medium() {
  return with_layers({128, 128}, 64, {256, 128}, 97);
}
LofiOptions LofiOptions::compact() {
  return with_layers({64, 64}, 32, {128, 64}, 65);
}

std::string LofiOptions::to_json() const {
  nlohmann::json j = {{"rings", rings},
                      {"angles", angles},
                      {"extra_channels", extra_channels},
                      {"spoke_hidden", spoke_hidden},
                      {"spoke_out", spoke_out},
                      {"mixer_hidden", mixer_hidden},
                      {"filter_size", filter_size},
                      {"train_pixel_arcmin", train_pixel_arcmin},
                      {"pad_pixels", pad_pixels}};
  // Only models with the Wiener channel carry its keys: a model without it keeps the JSON (and so the content
  // hash) it had before the channel existed.
  if (wiener_channel) {
    j["wiener_channel"] = true;
    j["wiener_prior_ell"] = wiener_prior_ell;
    j["wiener_prior_cl"] = wiener_prior_cl;
  }
  // Likewise the training ranges: only models that recorded them carry the keys.
  if (!train_ngal_range.empty()) j["train_ngal_range"] = train_ngal_range;
  if (!train_sigma_e_range.empty()) j["train_sigma_e_range"] = train_sigma_e_range;
  if (!train_pixel_range.empty()) j["train_pixel_range"] = train_pixel_range;
  return j.dump();
}

LofiOptions LofiOptions::from_json(const std::string& text) {
  try {
    const auto j = nlohmann::json::parse(text);
    LofiOptions o;
    o.rings = j.at("rings");
    o.angles = j.at("angles");
    o.extra_channels = j.at("extra_channels");
    o.spoke_hidden = j.at("spoke_hidden").get<std::vector<int>>();
    o.spoke_out = j.at("spoke_out");
    o.mixer_hidden = j.at("mixer_hidden").get<std::vector<int>>();
    o.filter_size = j.at("filter_size");
    o.train_pixel_arcmin = j.at("train_pixel_arcmin");
    o.pad_pixels = j.at("pad_pixels");
    // Models written before the Wiener channel existed have none of these keys.
    o.wiener_channel = j.value("wiener_channel", false);
    if (j.contains("wiener_prior_ell"))
      o.wiener_prior_ell = j.at("wiener_prior_ell").get<std::vector<double>>();
    if (j.contains("wiener_prior_cl")) o.wiener_prior_cl = j.at("wiener_prior_cl").get<std::vector<double>>();
    for (auto [key, range] : {std::pair{"train_ngal_range", &o.train_ngal_range},
                              std::pair{"train_sigma_e_range", &o.train_sigma_e_range},
                              std::pair{"train_pixel_range", &o.train_pixel_range}})
      if (j.contains(key)) {
        *range = j.at(key).get<std::vector<double>>();
        if (range->size() != 2 || !((*range)[0] <= (*range)[1]))
          throw std::invalid_argument(std::string(key) + ": expected [min, max]");
      }
    return o;
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("LoFi options: ") + e.what());
  }
}

std::string LofiOptions::difference(const LofiOptions& o) const {
  // The training ranges describe the data, not the network: a checkpoint written before they were recorded
  // is still the same model.
  auto a = nlohmann::json::parse(to_json()), b = nlohmann::json::parse(o.to_json());
  for (const char* key : {"train_ngal_range", "train_sigma_e_range", "train_pixel_range"})
    a.erase(key), b.erase(key);
  for (auto it = a.begin(); it != a.end(); ++it)
    if (!b.contains(it.key()) || b.at(it.key()) != it.value())
      return it.key() + ": " + it.value().dump() + " vs " +
             (b.contains(it.key()) ? b.at(it.key()).dump() : "absent");
  for (auto it = b.begin(); it != b.end(); ++it)
    if (!a.contains(it.key())) return it.key() + ": absent vs " + it.value().dump();
  return "";
}

double LofiOptions::activation_floats_per_query() const {
  double floats = 2.0 * sampled_channels() * rings * angles;  // samples, then their spoke layout
  for (int h : spoke_hidden) floats += static_cast<double>(angles) * h;
  floats += 2.0 * angles * spoke_out;  // the last spoke layer and the mixer's input layout
  for (int h : mixer_hidden) floats += h;
  return floats + 1;
}

double LofiOptions::parameter_count() const {
  const double f = filter_size, a = angles, r = rings;
  double n = 2 * f * f + 2 * a * r + 1;  // filter, offsets, scale
  double in = sampled_channels() * r;
  std::vector<int> spokes = spoke_hidden;
  spokes.push_back(spoke_out);
  for (int s : spokes) n += a * (in + 1) * s, in = s;  // per-angle weights and biases
  in = a * spoke_out;
  std::vector<int> mix = mixer_hidden;
  mix.push_back(1);
  for (int s : mix) n += (in + 1) * s, in = s;
  return n;
}

namespace {

// Upper limits keep a corrupt or hostile model file (say rings = 10^8) from sizing allocations; they lie far
// above any useful network (the published one: 9 rings, 9 angles, 370-wide layers, a 139-sample filter).
void require_at_most(const char* option, double value, double limit) {
  if (value > limit)
    throw std::invalid_argument(
        std::string("LoFi ") + option + ": " + std::to_string(static_cast<long long>(value)) +
        " is more than the limit of " + std::to_string(static_cast<long long>(limit)));
}

}  // namespace

void LofiOptions::validate() const {
  if (rings < 1 || angles < 1) throw std::invalid_argument("LoFi --rings/--angles: must be >= 1");
  if (extra_channels < 0) throw std::invalid_argument("LoFi --extra-channels: must be >= 0");
  for (int h : spoke_hidden)
    if (h < 1) throw std::invalid_argument("LoFi --spoke-hidden: sizes must be >= 1");
  for (int h : mixer_hidden)
    if (h < 1) throw std::invalid_argument("LoFi --mixer-hidden: sizes must be >= 1");
  if (spoke_out < 1) throw std::invalid_argument("LoFi --spoke-out: must be >= 1");
  if (filter_size < 3 || filter_size % 2 == 0)
    throw std::invalid_argument("LoFi --filter-size: must be odd and >= 3 (k = 0 at the centre)");
  if (!(train_pixel_arcmin > 0) || !std::isfinite(train_pixel_arcmin))
    throw std::invalid_argument("LoFi --pixel: training pixel scale must be a finite number > 0");
  if (pad_pixels < 0) throw std::invalid_argument("LoFi --pad-pixels: must be >= 0");
  require_at_most("--rings", rings, 256);
  require_at_most("--angles", angles, 256);
  require_at_most("--extra-channels", extra_channels, 64);
  require_at_most("--spoke-hidden (layers)", static_cast<double>(spoke_hidden.size()), 32);
  require_at_most("--mixer-hidden (layers)", static_cast<double>(mixer_hidden.size()), 32);
  for (int h : spoke_hidden) require_at_most("--spoke-hidden", h, 65536);
  for (int h : mixer_hidden) require_at_most("--mixer-hidden", h, 65536);
  require_at_most("--spoke-out", spoke_out, 65536);
  require_at_most("--filter-size", filter_size, 8191);
  require_at_most("--pad-pixels", pad_pixels, 4096);
  require_at_most("parameter count", parameter_count(), 1ll << 31);  // 8 GiB of float32 weights
  if (wiener_channel) {
    if (extra_channels != 2)
      throw std::invalid_argument("LoFi Wiener channel: needs the noise channel too (2 extra channels)");
    if (wiener_prior_ell.size() < 2 || wiener_prior_ell.size() != wiener_prior_cl.size())
      throw std::invalid_argument("LoFi Wiener channel: the prior C_ell needs >= 2 (ell, C_ell) pairs");
    require_at_most("Wiener prior (points)", static_cast<double>(wiener_prior_ell.size()), 100000);
    for (size_t i = 0; i < wiener_prior_ell.size(); ++i)
      if (!(std::isfinite(wiener_prior_ell[i]) && std::isfinite(wiener_prior_cl[i]) &&
            wiener_prior_cl[i] >= 0 &&
            (i == 0 ? wiener_prior_ell[i] > 0 : wiener_prior_ell[i] > wiener_prior_ell[i - 1])))
        throw std::invalid_argument(
            "LoFi Wiener channel: the prior needs increasing ell > 0 and finite C_ell >= 0");
  } else if (extra_channels > 1) {
    throw std::invalid_argument(
        "LoFi --extra-channels: more than one extra channel only with the Wiener channel");
  }
}

}  // namespace lofimap::models
