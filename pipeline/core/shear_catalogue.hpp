// A calibrated shear catalogue held by one rank, in the internal flat frame: (g1, g2) with g1 > 0 elongated
// along +RA (East) and g2 > 0 along the diagonal between +RA and +Dec. The HEALPix (Q, U) of the same galaxy
// is
// (-g1, -g2): for every survey convention the flat and HEALPix components differ by an overall sign.
#pragma once

#include <cstddef>
#include <vector>

#include "pipeline/core/prefaulted_allocator.hpp"

namespace lofimap::pipeline {

using CatalogueColumn = std::vector<double, PrefaultedAllocator<double>>;

struct ShearCatalogue {
  CatalogueColumn ra_deg, dec_deg, g1, g2, weight;
  std::size_t size() const { return ra_deg.size(); }
  void reserve(std::size_t n) {
    for (auto* v : {&ra_deg, &dec_deg, &g1, &g2, &weight}) v->reserve(n);
  }
  void push_back(double ra, double dec, double s1, double s2, double w) {
    ra_deg.push_back(ra);
    dec_deg.push_back(dec);
    g1.push_back(s1);
    g2.push_back(s2);
    weight.push_back(w);
  }
};

}  // namespace lofimap::pipeline
