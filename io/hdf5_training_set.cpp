#include "io/hdf5_training_set.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "io/detail/hdf5_status.hpp"
#include "io/error.hpp"

namespace lofimap::io {

namespace {

struct Dataset {
  std::string name;
  hid_t type;
  int rank;  // 1: [maps]; 3: [maps, n, n]; 4: [maps, 2, n, n]
  hid_t id = -1;
};

}  // namespace

struct TrainingSetWriter::Impl {
  std::string path;
  hid_t file = -1, xfer = -1;
  long maps = 0, n = 0;
  std::vector<Dataset> sets;
  bool parallel = false;
};

TrainingSetWriter::TrainingSetWriter(const std::string& path, const void* mpi_comm, long maps, long n,
                                     const TrainingAttributes& attributes)
    : impl_(new Impl) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  auto& d = *impl_;
  d.path = path;
  d.maps = maps;
  d.n = n;
  const MPI_Comm comm = mpi_comm ? *static_cast<const MPI_Comm*>(mpi_comm) : MPI_COMM_NULL;
  d.parallel = comm != MPI_COMM_NULL;
  const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (d.parallel) detail::check_hdf5(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL), path, "setting up MPI-IO");
  d.file = detail::check_hdf5(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), path,
                              "creating HDF5 file");
  H5Pclose(fapl);
  d.xfer = H5Pcreate(H5P_DATASET_XFER);
  if (d.parallel)
    detail::check_hdf5(H5Pset_dxpl_mpio(d.xfer, H5FD_MPIO_COLLECTIVE), path, "requesting collective writes");

  d.sets = {{"kappa", H5T_NATIVE_FLOAT, 3},       {"shear", H5T_NATIVE_FLOAT, 4},
            {"ks", H5T_NATIVE_FLOAT, 4},          {"mask", H5T_NATIVE_UINT8, 3},
            {"counts", H5T_NATIVE_FLOAT, 3},      {"sigma_e", H5T_NATIVE_FLOAT, 1},
            {"n_gal", H5T_NATIVE_FLOAT, 1},       {"sky_family", H5T_NATIVE_UINT8, 1},
            {"sky_lambda", H5T_NATIVE_FLOAT, 1},  {"sky_sigma8", H5T_NATIVE_FLOAT, 1},
            {"sky_omega_m", H5T_NATIVE_FLOAT, 1}, {"sky_z_source", H5T_NATIVE_FLOAT, 1},
            {"sky_haloes", H5T_NATIVE_FLOAT, 1}};
  for (auto& s : d.sets) {
    hsize_t dims[4] = {static_cast<hsize_t>(maps), 0, 0, 0}, chunk[4] = {1, 0, 0, 0};
    if (s.rank == 3) dims[1] = dims[2] = chunk[1] = chunk[2] = static_cast<hsize_t>(n);
    if (s.rank == 4) {
      dims[1] = chunk[1] = 2;
      dims[2] = dims[3] = chunk[2] = chunk[3] = static_cast<hsize_t>(n);
    }
    if (s.rank == 1) chunk[0] = static_cast<hsize_t>(std::max(1L, std::min(maps, 4096L)));
    const hid_t space = H5Screate_simple(s.rank, dims, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, s.rank, chunk);
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, 4);
    H5Pset_obj_track_times(dcpl, 0);  // no timestamps: the same seed gives the same bytes
    s.id =
        detail::check_hdf5(H5Dcreate2(d.file, s.name.c_str(), s.type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                           path, "creating dataset /" + s.name);
    H5Pclose(dcpl);
    H5Sclose(space);
  }
  // Root attributes (collective metadata writes: every rank passes the same values).
  const hid_t scalar = H5Screate(H5S_SCALAR);
  for (const auto& [key, value] : attributes.numbers) {
    const hid_t a = detail::check_hdf5(
        H5Acreate2(d.file, key.c_str(), H5T_NATIVE_DOUBLE, scalar, H5P_DEFAULT, H5P_DEFAULT), path,
        "writing attribute " + key);
    H5Awrite(a, H5T_NATIVE_DOUBLE, &value);
    H5Aclose(a);
  }
  for (const auto& [key, value] : attributes.text) {
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, std::max<size_t>(1, value.size()));
    const hid_t a =
        detail::check_hdf5(H5Acreate2(d.file, key.c_str(), type, scalar, H5P_DEFAULT, H5P_DEFAULT), path,
                           "writing attribute " + key);
    H5Awrite(a, type, value.c_str());
    H5Aclose(a);
    H5Tclose(type);
  }
  H5Sclose(scalar);
}

TrainingSetWriter::~TrainingSetWriter() {
  if (impl_->file >= 0) {
    for (auto& s : impl_->sets) H5Dclose(s.id);
    H5Pclose(impl_->xfer);
    H5Fclose(impl_->file);
  }
}

void TrainingSetWriter::write_round(long index, const TrainingMapView* map) {
  auto& d = *impl_;
  const bool has = index >= 0 && map != nullptr;
  if (has && index >= d.maps) throw Error(d.path, "writing map", "index beyond the dataset size");
  for (auto& s : d.sets) {
    const hid_t filespace = H5Dget_space(s.id);
    hsize_t start[4] = {static_cast<hsize_t>(std::max(0L, index)), 0, 0, 0};
    hsize_t count[4] = {1, 0, 0, 0};
    if (s.rank == 3) count[1] = count[2] = static_cast<hsize_t>(d.n);
    if (s.rank == 4) count[1] = 2, count[2] = count[3] = static_cast<hsize_t>(d.n);
    const hid_t memspace = H5Screate_simple(s.rank, count, nullptr);
    const void* buffer = nullptr;
    if (has) {
      H5Sselect_hyperslab(filespace, H5S_SELECT_SET, start, nullptr, count, nullptr);
      if (s.name == "kappa")
        buffer = map->kappa;
      else if (s.name == "shear")
        buffer = map->shear;
      else if (s.name == "ks")
        buffer = map->ks;
      else if (s.name == "mask")
        buffer = map->mask;
      else if (s.name == "counts")
        buffer = map->counts;
      else if (s.name == "sigma_e")
        buffer = &map->sigma_e;
      else if (s.name == "n_gal")
        buffer = &map->n_gal;
      else if (s.name == "sky_family")
        buffer = &map->sky_family;
      else if (s.name == "sky_lambda")
        buffer = &map->sky_lambda;
      else if (s.name == "sky_sigma8")
        buffer = &map->sky_sigma8;
      else if (s.name == "sky_omega_m")
        buffer = &map->sky_omega_m;
      else if (s.name == "sky_z_source")
        buffer = &map->sky_z_source;
      else
        buffer = &map->sky_haloes;
    } else {
      H5Sselect_none(filespace);  // still part of the collective call
      H5Sselect_none(memspace);
    }
    const herr_t rc = H5Dwrite(s.id, s.type, memspace, filespace, d.xfer, buffer);
    H5Sclose(memspace);
    H5Sclose(filespace);
    detail::check_hdf5(rc, d.path, "writing map " + std::to_string(index) + " of /" + s.name);
  }
}

void TrainingSetWriter::close() {
  auto& d = *impl_;
  for (auto& s : d.sets) H5Dclose(s.id);
  H5Pclose(d.xfer);
  const herr_t rc = H5Fclose(d.file);
  d.file = -1;
  detail::check_hdf5(rc, d.path, "closing (flushing) the file");
}

struct TrainingSetReader::Impl {
  std::string path;
  hid_t file = -1;
};

namespace {

// What a training set's datasets must be: the reader trusts nothing in the file (a corrupt or crafted file
// must give an error naming the dataset, never a crash inside H5Dread).
struct DatasetShape {
  const char* name;
  H5T_class_t type_class;
  size_t element_size;
  int rank;  // 1: [maps]; 3: [maps, n, n]; 4: [maps, 2, n, n]
};
constexpr DatasetShape kDatasets[] = {
    {"kappa", H5T_FLOAT, 4, 3},  {"shear", H5T_FLOAT, 4, 4},  {"ks", H5T_FLOAT, 4, 4},
    {"mask", H5T_INTEGER, 1, 3}, {"counts", H5T_FLOAT, 4, 3}, {"sigma_e", H5T_FLOAT, 4, 1},
    {"n_gal", H5T_FLOAT, 4, 1},
};
constexpr long kMaxSide = 32768;  // the largest grid `lofimap simulate training-set` writes

// Closes an HDF5 handle when the scope ends (the checks below throw).
struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Handle() {
    if (id >= 0) close(id);
  }
};

const char* class_name(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER:
      return "integer";
    case H5T_FLOAT:
      return "float";
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ARRAY:
      return "array";
    default:
      return "other";
  }
}

void check_dataset(hid_t file, const std::string& path, const DatasetShape& want, long maps, long n) {
  const std::string where = std::string("checking /") + want.name;
  const Handle ds{
      detail::check_hdf5(H5Dopen2(file, want.name, H5P_DEFAULT), path, std::string("opening /") + want.name),
      H5Dclose};
  const Handle type{detail::check_hdf5(H5Dget_type(ds.id), path, where), H5Tclose};
  const auto fail = [&](const std::string& what) {
    throw Error(path, where, what + " (not a lofimap training set?)");
  };
  if (H5Tget_class(type.id) != want.type_class || H5Tget_size(type.id) != want.element_size)
    fail(std::string("elements are ") + class_name(H5Tget_class(type.id)) + " of size " +
         std::to_string(H5Tget_size(type.id)) + " bytes, expected " +
         (want.type_class == H5T_FLOAT ? "float32" : "uint8"));
  const Handle space{detail::check_hdf5(H5Dget_space(ds.id), path, where), H5Sclose};
  if (H5Sget_simple_extent_type(space.id) != H5S_SIMPLE || H5Sget_simple_extent_ndims(space.id) != want.rank)
    fail("expected " + std::to_string(want.rank) + " dimensions");
  hsize_t dims[4] = {0, 0, 0, 0};
  H5Sget_simple_extent_dims(space.id, dims, nullptr);
  const hsize_t expected[4] = {static_cast<hsize_t>(maps), want.rank == 4 ? 2u : static_cast<hsize_t>(n),
                               static_cast<hsize_t>(n), static_cast<hsize_t>(n)};
  for (int i = 0; i < want.rank; ++i)
    if (dims[i] != expected[i])
      fail("extent " + std::to_string(dims[i]) + " along dimension " + std::to_string(i) + ", expected " +
           std::to_string(expected[i]) + " (the extents of /kappa: " + std::to_string(maps) + " maps of " +
           std::to_string(n) + "^2)");
  const Handle dcpl{detail::check_hdf5(H5Dget_create_plist(ds.id), path, where), H5Pclose};
  if (H5Pget_layout(dcpl.id) == H5D_CHUNKED) {
    hsize_t chunk[4] = {0, 0, 0, 0};
    if (H5Pget_chunk(dcpl.id, 4, chunk) != want.rank) fail("chunk rank differs from the dataset's");
    for (int i = 0; i < want.rank; ++i)
      if (chunk[i] == 0 || chunk[i] > dims[i])
        fail("chunk of " + std::to_string(chunk[i]) + " along dimension " + std::to_string(i) +
             " does not fit the extent " + std::to_string(dims[i]));
  }
}

}  // namespace

TrainingSetReader::TrainingSetReader(const std::string& path) : impl_(new Impl) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  impl_->path = path;
  if (!std::filesystem::exists(path)) throw Error(path, "opening training set", "no such file");
  impl_->file =
      detail::check_hdf5(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), path, "opening as HDF5");
  {
    const Handle ds{detail::check_hdf5(H5Dopen2(impl_->file, "kappa", H5P_DEFAULT), path,
                                       "opening /kappa (not a training set?)"),
                    H5Dclose};
    const Handle space{detail::check_hdf5(H5Dget_space(ds.id), path, "reading /kappa"), H5Sclose};
    hsize_t dims[3] = {0, 0, 0};
    if (H5Sget_simple_extent_ndims(space.id) != 3)
      throw Error(path, "reading /kappa", "expected [maps, n, n]");
    H5Sget_simple_extent_dims(space.id, dims, nullptr);
    if (dims[0] < 1 || dims[1] < 1 || dims[1] > static_cast<hsize_t>(kMaxSide) || dims[2] != dims[1])
      throw Error(path, "reading /kappa",
                  "extents " + std::to_string(dims[0]) + " x " + std::to_string(dims[1]) + " x " +
                      std::to_string(dims[2]) +
                      ": expected maps >= 1 of n x n pixels, n <= " + std::to_string(kMaxSide));
    maps_ = static_cast<long>(dims[0]);
    n_ = static_cast<long>(dims[1]);
  }
  for (const auto& d : kDatasets) check_dataset(impl_->file, path, d, maps_, n_);
}

TrainingSetReader::~TrainingSetReader() {
  if (impl_->file >= 0) H5Fclose(impl_->file);
}

std::vector<float> TrainingSetReader::per_map(const std::string& name) const {
  if (name != "sigma_e" && name != "n_gal")
    throw Error(impl_->path, "reading /" + name, "not a per-map number");
  std::vector<float> out(static_cast<size_t>(maps_));
  const hid_t ds =
      detail::check_hdf5(H5Dopen2(impl_->file, name.c_str(), H5P_DEFAULT), impl_->path, "opening /" + name);
  const herr_t rc = H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data());
  H5Dclose(ds);
  detail::check_hdf5(rc, impl_->path, "reading /" + name);
  return out;
}

TrainingMap TrainingSetReader::read(long index) const {
  if (index < 0 || index >= maps_)
    throw Error(impl_->path, "reading map", "index " + std::to_string(index) + " out of range");
  TrainingMap m;
  const size_t nn = static_cast<size_t>(n_ * n_);
  auto read_one = [&](const char* name, hid_t type, int rank, void* out) {
    const hid_t ds = detail::check_hdf5(H5Dopen2(impl_->file, name, H5P_DEFAULT), impl_->path,
                                        std::string("opening /") + name);
    const hid_t filespace = H5Dget_space(ds);
    hsize_t start[4] = {static_cast<hsize_t>(index), 0, 0, 0}, count[4] = {1, 0, 0, 0};
    if (rank == 3) count[1] = count[2] = static_cast<hsize_t>(n_);
    if (rank == 4) count[1] = 2, count[2] = count[3] = static_cast<hsize_t>(n_);
    H5Sselect_hyperslab(filespace, H5S_SELECT_SET, start, nullptr, count, nullptr);
    const hid_t memspace = H5Screate_simple(rank, count, nullptr);
    const herr_t rc = H5Dread(ds, type, memspace, filespace, H5P_DEFAULT, out);
    H5Sclose(memspace);
    H5Sclose(filespace);
    H5Dclose(ds);
    detail::check_hdf5(rc, impl_->path, std::string("reading /") + name);
  };
  m.kappa.resize(nn), m.counts.resize(nn), m.mask.resize(nn), m.shear.resize(2 * nn), m.ks.resize(2 * nn);
  read_one("kappa", H5T_NATIVE_FLOAT, 3, m.kappa.data());
  read_one("shear", H5T_NATIVE_FLOAT, 4, m.shear.data());
  read_one("ks", H5T_NATIVE_FLOAT, 4, m.ks.data());
  read_one("mask", H5T_NATIVE_UINT8, 3, m.mask.data());
  read_one("counts", H5T_NATIVE_FLOAT, 3, m.counts.data());
  read_one("sigma_e", H5T_NATIVE_FLOAT, 1, &m.sigma_e);
  read_one("n_gal", H5T_NATIVE_FLOAT, 1, &m.n_gal);
  m.has_sky = H5Lexists(impl_->file, "sky_family", H5P_DEFAULT) > 0;
  if (m.has_sky) {
    read_one("sky_family", H5T_NATIVE_UINT8, 1, &m.sky_family);
    read_one("sky_lambda", H5T_NATIVE_FLOAT, 1, &m.sky_lambda);
    read_one("sky_sigma8", H5T_NATIVE_FLOAT, 1, &m.sky_sigma8);
    read_one("sky_omega_m", H5T_NATIVE_FLOAT, 1, &m.sky_omega_m);
    read_one("sky_z_source", H5T_NATIVE_FLOAT, 1, &m.sky_z_source);
    read_one("sky_haloes", H5T_NATIVE_FLOAT, 1, &m.sky_haloes);
  }
  // Values a simulation cannot produce: NaN would make every statistic and every trained weight NaN.
  const std::pair<const char*, const std::vector<float>*> planes[] = {
      {"kappa", &m.kappa}, {"shear", &m.shear}, {"ks", &m.ks}, {"counts", &m.counts}};
  for (const auto& [name, values] : planes) {
    const auto bad = std::count_if(values->begin(), values->end(), [](float v) { return !std::isfinite(v); });
    if (bad > 0)
      throw Error(
          impl_->path, "reading map " + std::to_string(index),
          "/" + std::string(name) + " holds " + std::to_string(bad) + " values that are not finite numbers");
  }
  if (std::any_of(m.counts.begin(), m.counts.end(), [](float v) { return v < 0; }))
    throw Error(impl_->path, "reading map " + std::to_string(index), "/counts holds negative galaxy counts");
  if (!(m.sigma_e >= 0 && m.sigma_e < 1))
    throw Error(impl_->path, "reading map " + std::to_string(index),
                "/sigma_e " + std::to_string(m.sigma_e) + " is not a shape noise in [0, 1)");
  return m;
}

std::string TrainingSetReader::text_attribute(const std::string& name) const {
  const hid_t a = detail::check_hdf5(H5Aopen(impl_->file, name.c_str(), H5P_DEFAULT), impl_->path,
                                     "reading attribute " + name);
  const hid_t type = H5Aget_type(a);
  const bool text =
      H5Tget_class(type) == H5T_STRING && !H5Tis_variable_str(type) && H5Tget_size(type) < (1u << 20);
  std::string value(text ? H5Tget_size(type) : 0, '\0');
  const herr_t rc = text ? H5Aread(a, type, value.data()) : -1;
  H5Tclose(type);
  H5Aclose(a);
  if (!text) throw Error(impl_->path, "reading attribute " + name, "not a fixed-length text attribute");
  detail::check_hdf5(rc, impl_->path, "reading attribute " + name);
  while (!value.empty() && value.back() == '\0') value.pop_back();
  return value;
}

double TrainingSetReader::pixel_arcmin() const {
  const double p = number_attribute("pixel_arcmin");
  // 10^-3 arcmin (0.06 arcsec) is finer than any lensing map; a corrupt value such as 7e-310 passes "> 0" and
  // overflows every k-space quantity.
  if (!(p >= 1e-3 && p < 600))
    throw Error(impl_->path, "reading attribute pixel_arcmin",
                "pixel scale " + std::to_string(p) + " arcmin is not in [0.001, 600)");
  return p;
}

double TrainingSetReader::number_attribute(const std::string& name) const {
  const hid_t a = detail::check_hdf5(H5Aopen(impl_->file, name.c_str(), H5P_DEFAULT), impl_->path,
                                     "reading attribute " + name);
  const hid_t type = H5Aget_type(a), space = H5Aget_space(a);
  const H5T_class_t cls = H5Tget_class(type);
  const bool number = (cls == H5T_FLOAT || cls == H5T_INTEGER) && H5Sget_simple_extent_npoints(space) == 1;
  double v = 0;
  const herr_t rc = number ? H5Aread(a, H5T_NATIVE_DOUBLE, &v) : -1;
  H5Sclose(space);
  H5Tclose(type);
  H5Aclose(a);
  if (!number) throw Error(impl_->path, "reading attribute " + name, "not a single number");
  detail::check_hdf5(rc, impl_->path, "reading attribute " + name);
  return v;
}

}  // namespace lofimap::io
