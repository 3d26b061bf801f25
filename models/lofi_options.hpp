// The options that define a LoFi network (Khorashadizadeh et al. 2024, arXiv 2411.04995: a learned Fourier
// pre-filter, a round patch of rings x angles samples and the spoke/mixer MLPs), kept free of torch headers
// so that jobs/ and pipeline/ can fill them in. The published sizes are the defaults (about 3.57 M
// parameters); `compact()` is the small configuration trainable on a laptop, `medium()` lies between.
#pragma once

#include <string>
#include <vector>

namespace lofimap::models {

struct LofiOptions {
  int rings = 9, angles = 9;  // round patch: rings x angles sample points
  int extra_channels = 0;     // inputs beyond (kappa_E, kappa_B), e.g. per-pixel noise level
  std::vector<int> spoke_hidden = {370, 370, 370};
  int spoke_out = 100;
  std::vector<int> mixer_hidden = {370, 370, 370};
  int filter_size = 139;            // learned Fourier filter samples per axis over [-k_Nyq, k_Nyq]
  double train_pixel_arcmin = 1.0;  // sets the patch radii (ring n at n/4 pixels) and the filter's k range
  int pad_pixels = 5;               // zero padding before the filter's FFT
  // The published patch's innermost ring, in training pixels: where geometric rings start (train
  // --ring-spacing geometric), so their outer radius must lie beyond it.
  static constexpr double kInnerRingPixels = 0.25;
  // Input channels: kappa_E, kappa_B, then with extra_channels >= 1 the per-pixel noise level, and with the
  // Wiener channel (extra_channels == 2) the Wiener estimate of the same shear under this prior C_ell
  // (kept with the model so that every map made with it uses the prior it was trained with).
  bool wiener_channel = false;
  std::vector<double> wiener_prior_ell, wiener_prior_cl;
  // What the model was trained on, [min, max] over its training maps: galaxies per arcmin^2, shape noise per
  // component, input pixel [arcmin]. `map` warns about data outside them. Empty for models trained before
  // they were recorded (then no warning is possible).
  std::vector<double> train_ngal_range, train_sigma_e_range, train_pixel_range;

  static LofiOptions published() { return {}; }
  static LofiOptions compact();
  // Between the two: 465,254 parameters (compact 131,398, published 3,575,056), trainable in hours on a CPU.
  static LofiOptions medium();
  int input_channels() const { return 2 + extra_channels; }
  // [Re, Im] of the filtered field, kappa_E, kappa_B, extras
  int sampled_channels() const { return 4 + extra_channels; }
  // Floats of activations one query holds in a forward pass (the sampled patch and its spoke layout, every
  // spoke and mixer layer's output): the basis of the memory estimates made before training or mapping.
  double activation_floats_per_query() const;
  // Number of learned parameters the network of these options holds (computed without building it).
  double parameter_count() const;

  std::string to_json() const;
  static LofiOptions from_json(const std::string& json);  // throws std::invalid_argument on malformed input
  // "" when equal, else the first option that differs as "name: this vs other" (the training ranges, which
  // describe the data rather than the network, are not compared).
  std::string difference(const LofiOptions& other) const;
  void validate() const;  // throws std::invalid_argument naming the option (also above its upper limit)
};

}  // namespace lofimap::models
