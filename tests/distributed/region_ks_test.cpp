// Survey maps in sky regions, at 1, 2 and 4 ranks: the partial HEALPix map made by several ranks (each
// reading its own rows, galaxies exchanged to the owners of their regions) equals the one a single process
// makes; and many small regions agree with one large region away from the footprint's edge (no seams).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <tuple>

#include "distributed/communicator.hpp"
#include "io/healpix_partial_map.hpp"
#include "pipeline/products/ks_product.hpp"
#include "pipeline/simulate/galaxy_sampling.hpp"
#include "pipeline/simulate/synthetic_sky.hpp"
#include "pipeline/survey/sky_regions.hpp"

namespace lofimap {
namespace {

// A 10 x 10 deg field centred on a region of nside 2 (so one region of nside 2 holds all of it), with haloes;
// noise-free shear when sigma_e is 0.
std::string make_field(const distributed::Communicator& comm, const std::filesystem::path& dir,
                       double sigma_e, long galaxies = 400000) {
  const std::string input = (dir / "field.fits").string();
  const pipeline::SkyRegions coarse(2, 0.0, 1.0);
  const auto centre = coarse.centre(coarse.region_of(200.0, -10.0));
  const pipeline::FlatGrid patch{centre, 2.0, 300, 300};
  const auto sky = pipeline::make_synthetic_sky(patch, pipeline::random_haloes(patch, 12, 5));
  if (comm.is_root()) {
    pipeline::CatalogueWriter writer(input, "kids");
    pipeline::sample_galaxies(sky, galaxies, sigma_e, 4, 50000,
                              [&](const pipeline::GalaxySample& s) { writer.append(s); });
    writer.close();
  }
  comm.barrier();
  return input;
}

std::filesystem::path scratch(const distributed::Communicator& comm, const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / "lofimap-tests" / name;
  if (comm.is_root()) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  comm.barrier();
  return dir;
}

pipeline::KsConfig region_config(const std::string& input, long regions, const std::string& output) {
  pipeline::KsConfig c;
  c.catalogue.inputs = {input};
  c.catalogue.preset = "kids";
  c.flat.pixel_arcmin = 4.0;
  c.regions.nside = regions;
  c.regions.margin_deg = 3.0;
  c.nside = 512;
  c.output.png = false;
  c.output.path = output;
  c.output.overwrite = true;
  return c;
}

TEST(RegionMaps, DoNotDependOnTheNumberOfRanks) {
  const auto comm = distributed::Communicator::world();
  const auto dir = scratch(comm, "region_ks_ranks");
  const auto input = make_field(comm, dir, 0.25);
  // 16: about a dozen regions hold galaxies; 2: a single region, so at 2 and 4 ranks some ranks own none.
  // 1 MiB of region memory: the exchange runs in many waves (each a region or two), against the reference's
  // one; with --reread-catalogue every pass reads the rows again, against a reference that holds them.
  for (const auto& [nregions, memory_gib, reread] :
       {std::tuple{16L, 1.0, false}, {16L, 1.0 / 1024, false}, {16L, 1.0 / 1024, true}, {2L, 1.0, false}}) {
    auto c = region_config(input, nregions, (dir / ("ranks" + std::to_string(nregions) + ".fits")).string());
    if (nregions == 2) c.regions.margin_deg = 1.0;  // one 29 deg region: a 3 deg margin would exceed a tangent plane
    c.regions.memory_gib = memory_gib;
    c.regions.reread_catalogue = reread;
    const auto report = pipeline::run_kaiser_squires(c, comm);
    if (memory_gib < 1) {
      EXPECT_EQ(report.summary.find("exchanged in 1 wave"), std::string::npos) << report.summary;
      EXPECT_NE(report.summary.find(" wave(s)"), std::string::npos) << report.summary;
    }
    if (comm.is_root()) {
      // The reference: one process holding the rows, one wave; made once per region nside (memory and rereading
      // do not change the map, which is what is checked).
      auto single = c;
      single.output.path = (dir / ("single" + std::to_string(nregions) + ".fits")).string();
      single.regions.reread_catalogue = false;
      single.regions.memory_gib = 1.0;
      if (!std::filesystem::exists(single.output.path))
        pipeline::run_kaiser_squires(single, distributed::Communicator::self());
      for (const char* column : {"KAPPA_E", "KAPPA_B", "NGAL"}) {
        const auto mine = io::read_partial_healpix(c.output.path, column),
                   ref = io::read_partial_healpix(single.output.path, column);
        EXPECT_EQ(mine.ordering, io::HealpixOrdering::Nested);
        ASSERT_EQ(mine.pixels, ref.pixels) << column;
        ASSERT_GT(ref.pixels.size(), 7000u);
        double max_ref = 0, max_diff = 0;
        for (size_t i = 0; i < ref.values.size(); ++i) {
          max_ref = std::max(max_ref, static_cast<double>(std::abs(ref.values[i])));
          max_diff = std::max(max_diff, static_cast<double>(std::abs(mine.values[i] - ref.values[i])));
        }
        EXPECT_GT(max_ref, 0.01) << column;
        EXPECT_LT(max_diff, 1e-5 * max_ref)
            << column << " on " << comm.size() << " ranks, regions " << nregions << ", " << memory_gib
            << " GiB" << (reread ? ", reread" : "");
      }
    }
    comm.barrier();
  }
}

TEST(RegionMaps, ManyRegionsAgreeWithOneAwayFromTheEdge) {
  const auto comm = distributed::Communicator::world();
  // Seams are a property of the map, not of how many ranks made it (DoNotDependOnTheNumberOfRanks shows the map
  // is the same at 1, 2 and 4 ranks): checked once, at one rank, where the four maps take 50 s.
  if (comm.size() > 1) GTEST_SKIP() << "checked at 1 rank";
  const auto dir = scratch(comm, "region_ks_seams");
  // Noise-free, so that differences are the method's, not the noise's; 11 galaxies per arcmin^2 (about 180
  // per 4' pixel), so that the galaxies' sampling of the shear on two differently placed grids stays below
  // them.
  const auto input = make_field(comm, dir, 0.0, 4000000);
  auto many = region_config(input, 16, (dir / "many.fits").string());
  many.smoothing_arcmin = 8;
  many.regions.margin_deg = 2.0;
  pipeline::run_kaiser_squires(many, comm);
  if (comm.is_root()) {
    auto one = many;
    one.regions.nside = 2;  // the whole field lies in one region of nside 2
    one.output.path = (dir / "one.fits").string();
    pipeline::run_kaiser_squires(one, distributed::Communicator::self());
    // The same two maps with every region's own KS at all scales (--large-scales box), for comparison.
    auto many_box = many, one_box = one;
    many_box.regions.box_large_scales = one_box.regions.box_large_scales = true;
    many_box.output.path = (dir / "many_box.fits").string();
    one_box.output.path = (dir / "one_box.fits").string();
    pipeline::run_kaiser_squires(many_box, distributed::Communicator::self());
    pipeline::run_kaiser_squires(one_box, distributed::Communicator::self());
    const auto a = io::read_partial_healpix(many.output.path, "KAPPA_E"),
               b = io::read_partial_healpix(one.output.path, "KAPPA_E"),
               a_box = io::read_partial_healpix(many_box.output.path, "KAPPA_E"),
               b_box = io::read_partial_healpix(one_box.output.path, "KAPPA_E");
    ASSERT_EQ(a.pixels, a_box.pixels);
    ASSERT_EQ(b.pixels, b_box.pixels);
    // Pixels at least 1.5 deg inside the field's edge, present in both maps. Within a region of nside 16 the
    // NESTED index of a pixel at nside 512 interleaves its (x, y) position in a 32 x 32 grid: x or y at 0 or
    // 31 marks a pixel on the region's boundary.
    const pipeline::SkyRegions coarse(2, 0.0, 1.0);
    const auto centre = coarse.centre(coarse.region_of(200.0, -10.0));
    const pipeline::SkyRegions fine(512, 0.0, 1.0);
    auto deinterleave = [](long long v) {
      long long x = 0;
      for (int k = 0; k < 5; ++k) x |= ((v >> (2 * k)) & 1) << k;
      return x;
    };
    std::vector<double> ref, boundary, interior, box;
    size_t j = 0;
    for (size_t i = 0; i < a.pixels.size(); ++i) {
      while (j < b.pixels.size() && b.pixels[j] < a.pixels[i]) ++j;
      if (j == b.pixels.size() || b.pixels[j] != a.pixels[i]) continue;
      const auto p = fine.centre(a.pixels[i]);
      const double dx = (p.ra_deg - centre.ra_deg) * std::cos(centre.dec_deg * M_PI / 180),
                   dy = p.dec_deg - centre.dec_deg;
      if (std::max(std::abs(dx), std::abs(dy)) > 5.0 - 1.5) continue;
      const long long sub = a.pixels[i] & 1023, x = deinterleave(sub), y = deinterleave(sub >> 1);
      const bool on_boundary = x == 0 || x == 31 || y == 0 || y == 31;
      (on_boundary ? boundary : interior).push_back(a.values[i] - b.values[j]);
      box.push_back(a_box.values[i] - b_box.values[j]);
      ref.push_back(b.values[j]);
    }
    ASSERT_GT(ref.size(), 3000u);
    auto rms_of = [](const std::vector<double>& v, bool subtract_mean) {
      const double mean =
          subtract_mean ? std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()) : 0;
      double s = 0;
      for (double x : v) s += (x - mean) * (x - mean);
      return std::sqrt(s / static_cast<double>(v.size()));
    };
    std::vector<double> all = boundary;
    all.insert(all.end(), interior.begin(), interior.end());
    const double map_rms = rms_of(ref, true), diff_rms = rms_of(all, false);
    // Measured on this field: 0.68% of the map rms with the spherical large scales, 4.1% with each region's
    // own KS at every scale (its own k = 0 mode and the large scales its box sees).
    EXPECT_LT(diff_rms, 0.01 * map_rms) << "rms |many - one| " << diff_rms << ", map rms " << map_rms;
    EXPECT_GT(rms_of(box, false), 3 * diff_rms) << "box large scales: " << rms_of(box, false);
    EXPECT_LT(rms_of(boundary, false), 2.0 * rms_of(interior, false))
        << "seams: on region boundaries " << rms_of(boundary, false) << ", inside "
        << rms_of(interior, false);
  }
  comm.barrier();
}

}  // namespace
}  // namespace lofimap
