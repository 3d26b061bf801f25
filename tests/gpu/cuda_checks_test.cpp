// The GPU build's own checks, run by scripts/gpu/device_check on a CUDA machine and skipped elsewhere: a LoFi
// forward and backward pass on CUDA equals the CPU pass to float tolerance, the NCCL reduction backend sums
// and broadcasts CUDA buffers (one rank), and `lofimap map --device cuda` writes the CPU map.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "distributed/communicator.hpp"
#include "distributed/torch/reduction_backend.hpp"
#include "io/fits_maps.hpp"
#include "models/lofi_network.hpp"
#include "pipeline/products/lofi_map_product.hpp"
#include "pipeline/simulate/galaxy_sampling.hpp"
#include "pipeline/simulate/synthetic_sky.hpp"
#include "test_paths.hpp"

namespace lofimap {
namespace {

#define SKIP_WITHOUT_CUDA() \
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device visible to this LibTorch"

double max_abs(const torch::Tensor& t) {
  return t.abs().max().item<double>();
}

TEST(CudaChecks, LofiForwardAndBackwardOnCudaMatchTheCpu) {
  SKIP_WITHOUT_CUDA();
  for (const auto& options : {models::LofiOptions::compact(), models::LofiOptions::published()}) {
    torch::manual_seed(3);
    models::LofiNetwork cpu(options);
    torch::manual_seed(3);
    models::LofiNetwork gpu(options);  // the same initial weights, then moved
    gpu->to(torch::kCUDA);
    const auto input = torch::randn({2, 2, 64, 64});
    const auto queries = torch::rand({2, 300, 2}) * 40 - 20;
    const auto out_cpu = cpu->forward(input, 0.5, queries);
    const auto out_gpu = gpu->forward(input.to(torch::kCUDA), 0.5, queries.to(torch::kCUDA));
    EXPECT_LT(max_abs(out_gpu.cpu() - out_cpu), 1e-4 * (1 + max_abs(out_cpu)));
    out_cpu.pow(2).sum().backward();
    out_gpu.pow(2).sum().backward();
    const auto pc = cpu->parameters(), pg = gpu->parameters();
    ASSERT_EQ(pc.size(), pg.size());
    for (size_t i = 0; i < pc.size(); ++i) {
      if (!pc[i].grad().defined()) continue;
      EXPECT_LT(max_abs(pg[i].grad().cpu() - pc[i].grad()), 1e-3 * (1 + max_abs(pc[i].grad())))
          << "parameter " << i << " of " << pc.size();
    }
  }
}

TEST(CudaChecks, NcclBackendSumsAndBroadcastsCudaBuffersOnOneRank) {
  SKIP_WITHOUT_CUDA();
  const auto comm = distributed::Communicator::self();
  auto backend = distributed::make_nccl_backend(comm, 0);
  EXPECT_EQ(backend->device().type(), torch::kCUDA);
  for (const long n : {1L, 1000L, 3'500'001L}) {  // odd sizes, and one of 14 MB (a gradient bucket)
    const auto values = torch::randn({n}, torch::TensorOptions().device(torch::kCUDA));
    auto flat = values.clone();
    backend->start_sum(flat)->wait();  // one rank: the sum is the buffer itself
    EXPECT_TRUE(torch::equal(flat, values)) << n;
    backend->broadcast(flat);
    EXPECT_TRUE(torch::equal(flat, values)) << n;
  }
}

TEST(CudaChecks, LofiMapOnCudaEqualsTheCpuMap) {
  SKIP_WITHOUT_CUDA();
  const auto dir = lofimap::testing::scratch_dir();
  const pipeline::FlatGrid patch{{20.0, 5.0}, 1.0, 64, 64};
  const auto sky = pipeline::make_synthetic_sky(patch, pipeline::random_haloes(patch, 4, 2));
  const std::string cat = (dir / "cat.fits").string();
  {
    pipeline::CatalogueWriter writer(cat, "cosmos");
    pipeline::sample_galaxies(sky, 64 * 64 * 20, 0.26, 5, 1 << 16,
                              [&](const pipeline::GalaxySample& s) { writer.append(s); });
    writer.close();
  }
  torch::manual_seed(0);
  auto options = models::LofiOptions::compact();
  options.extra_channels = 1;
  models::LofiNetwork net(options);
  const std::string model = (dir / "model.pt").string();
  models::save_lofi(net, model);
  pipeline::MapConfig c;
  c.catalogue.inputs = {cat};
  c.catalogue.preset = "cosmos";
  c.flat.center_ra = 20.0, c.flat.center_dec = 5.0;
  c.flat.npix = 64, c.flat.pixel_arcmin = 1.0;
  c.out_pixel_arcmin = 0.5;
  c.model.path = model;
  c.output.png = false;
  std::vector<float> maps[2];
  for (int k = 0; k < 2; ++k) {
    c.model.device = k == 0 ? pipeline::ComputeDevice::Cpu : pipeline::ComputeDevice::Cuda;
    c.output.path = (dir / (k == 0 ? "cpu.fits" : "cuda.fits")).string();
    pipeline::run_lofi_map(c, distributed::Communicator::self());
    const auto m = io::read_flat_fits(c.output.path, "KAPPA").data;
    maps[k].assign(m.begin(), m.end());
  }
  ASSERT_EQ(maps[0].size(), 128u * 128u);
  const auto a = torch::from_blob(maps[0].data(), {128 * 128}),
             b = torch::from_blob(maps[1].data(), {128 * 128});
  EXPECT_GT(max_abs(a), 0);
  EXPECT_LT(max_abs(a - b), 1e-4 * max_abs(a));
}

}  // namespace
}  // namespace lofimap
