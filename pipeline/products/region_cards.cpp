#include "pipeline/products/region_cards.hpp"

#include "pipeline/products/provenance.hpp"

namespace lofimap::pipeline {

std::vector<io::HeaderCard> region_cards(const RegionSettings& c, const CatalogueSummary& summary) {
  auto cards = provenance_cards(c.output.command_line, summary);
  cards.push_back({"LMPIXAM", c.pixel_arcmin, "[arcmin] input pixel of every region"});
  cards.push_back({"LMREGNS", static_cast<long long>(c.regions.nside), "region nside (NESTED)"});
  cards.push_back({"LMMARGIN", c.regions.margin_deg, "[deg] region margin"});
  cards.push_back({"LMLARGE", std::string(c.regions.box_large_scales ? "box" : "sphere"),
                   "scales > margin/4: region's own KS (box) or spherical KS"});
  cards.push_back({"LMPAD", c.pad, "FFT zero-padding factor"});
  if (c.noise.realisations > 0) {
    cards.push_back({"LMNOISEK", static_cast<long long>(c.noise.realisations),
                     "noise realisations (rotated ellipticities) of NOISE_STD, SNR"});
    cards.push_back({"LMNSEED", std::to_string(c.noise.seed), "seed of the noise rotations"});
  }
  return cards;
}

}  // namespace lofimap::pipeline
