// Binning of a catalogue onto HEALPix (RING): per pixel the weighted mean shear as HEALPix (Q, U) = -(g1,
// g2), the summed weight and the galaxy count. Each rank bins its own galaxies; the sums are reduced onto
// rank 0.
#pragma once

#include <vector>

#include "distributed/communicator.hpp"
#include "pipeline/core/shear_catalogue.hpp"
#include "pipeline/sphere/sphere_kaiser_squires.hpp"

namespace lofimap::pipeline {

struct SphereShearMaps {
  long nside = 0;
  std::vector<double> q, u, weight, count;  // RING; unobserved pixels: zero shear and zero weight
};

// Result valid on rank 0 (other ranks hold their partial sums).
SphereShearMaps bin_sphere(const ShearCatalogue& galaxies, long nside, const distributed::Communicator& comm);

// The same, fed chunk by chunk (a catalogue read again rather than held): the sums are added in the order the
// galaxies come, so chunks in row order give bin_sphere's maps exactly. The sums are held only over the RING
// pixels from the first to the last one a galaxy fell in (the window grows as chunks come): a survey's
// footprint, not the full sky, is touched until the maps are made, and only on rank 0.
class SphereBinSums {
 public:
  explicit SphereBinSums(long nside);
  void add(const ShearCatalogue& chunk);
  // Collective: the maps on rank 0, as bin_sphere.
  SphereShearMaps finish(const distributed::Communicator& comm);
  // Collective: only q (a) and u (b), on rank 0, over the whole rings that hold every galaxy (first_pixel:
  // the band's first RING pixel; zero shear on all other rings). Without galaxies: the first ring, zero.
  SphereFieldPair finish_shear(const distributed::Communicator& comm);

 private:
  void cover(long long first, long long end);          // grows the window to hold the pixels [first, end)
  void reduce(const distributed::Communicator& comm);  // the sums of all ranks, on rank 0

  long nside_;
  long long first_ = 0;                         // the RING pixel of the window's first element
  std::vector<double> q_, u_, weight_, count_;  // weighted sums of q and u, the weight, the count
  std::vector<long long> pixels_;               // a chunk's pixels (kept to reuse the buffer)
};

}  // namespace lofimap::pipeline
