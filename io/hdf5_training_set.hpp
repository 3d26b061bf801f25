// HDF5 training sets of simulated maps (written by `lofimap simulate training-set`, read by training):
//   /kappa   float32 [maps, n, n]      truth convergence
//   /shear   float32 [maps, 2, n, n]   noisy binned shear (gamma1, gamma2), internal flat frame (x = +RA)
//   /ks      float32 [maps, 2, n, n]   Kaiser-Squires (kappa_E, kappa_B) of the noisy shear
//   /mask    uint8   [maps, n, n]      1 = observed
//   /counts  float32 [maps, n, n]      galaxies per pixel
//   /sigma_e float32 [maps], /n_gal float32 [maps]   shape noise and density of each map
//   /sky_family uint8 [maps] (index into the "field" attribute's comma-separated family list),
//   /sky_lambda, /sky_sigma8, /sky_omega_m, /sky_z_source, /sky_haloes float32 [maps]: what each map's sky
//   drew (absent in sets written before sky families existed; z_source 0 for an n(z))
// Each map is one chunk, shuffled and deflated. Root attributes hold the generating parameters. Under MPI the
// file is written collectively (MPI-IO): every rank calls write_round() the same number of times, with its
// map or with nothing.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lofimap::io {

struct TrainingAttributes {
  std::map<std::string, std::string> text;
  std::map<std::string, double> numbers;
};

struct TrainingMapView {
  const float* kappa = nullptr;  // n * n
  const float* shear = nullptr;  // 2 * n * n
  const float* ks = nullptr;     // 2 * n * n
  const std::uint8_t* mask = nullptr;
  const float* counts = nullptr;
  float sigma_e = 0, n_gal = 0;
  std::uint8_t sky_family = 0;
  float sky_lambda = 0, sky_sigma8 = 0, sky_omega_m = 0, sky_z_source = 0, sky_haloes = 0;
};

class TrainingSetWriter {
 public:
  // mpi_comm: the address of the MPI_Comm of the ranks writing together
  // (distributed::Communicator::mpi_handle()), or nullptr for a serial write without MPI-IO. Passed untyped
  // so that this header needs no <mpi.h>.
  TrainingSetWriter(const std::string& path, const void* mpi_comm, long maps, long n,
                    const TrainingAttributes& attributes);
  ~TrainingSetWriter();
  TrainingSetWriter(const TrainingSetWriter&) = delete;
  TrainingSetWriter& operator=(const TrainingSetWriter&) = delete;

  // Collective under MPI. index < 0 (or map == nullptr): this rank writes nothing in this round.
  void write_round(long index, const TrainingMapView* map);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct TrainingMap {
  std::vector<float> kappa, shear, ks, counts;
  std::vector<std::uint8_t> mask;
  float sigma_e = 0, n_gal = 0;
  bool has_sky = false;  // the /sky_* datasets exist
  std::uint8_t sky_family = 0;
  float sky_lambda = 0, sky_sigma8 = 0, sky_omega_m = 0, sky_z_source = 0, sky_haloes = 0;
};

class TrainingSetReader {
 public:
  explicit TrainingSetReader(const std::string& path);
  ~TrainingSetReader();
  long maps() const { return maps_; }
  long n() const { return n_; }
  TrainingMap read(long index) const;
  // A per-map number of every map: "sigma_e" or "n_gal".
  std::vector<float> per_map(const std::string& name) const;
  std::string text_attribute(const std::string& name) const;
  double number_attribute(const std::string& name) const;
  // The pixel scale in arcmin (attribute pixel_arcmin); io::Error unless it lies in (0, 600).
  double pixel_arcmin() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  long maps_ = 0, n_ = 0;
};

}  // namespace lofimap::io
