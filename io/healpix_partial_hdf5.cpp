#include "io/healpix_partial_hdf5.hpp"

#include <hdf5.h>
#include <mpi.h>

#include <string>
#include <variant>

#include "io/detail/hdf5_status.hpp"
#include "io/error.hpp"

namespace lofimap::io {

namespace {
// Closes an HDF5 identifier when it leaves scope (with its own close function).
struct Closer {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Closer() {
    if (id >= 0) close(id);
  }
};

void write_attribute(hid_t object, const std::string& name, const HeaderValue& value,
                     const std::string& path) {
  const hid_t space = H5Screate(H5S_SCALAR);
  const Closer space_closer{space, H5Sclose};
  if (const auto* text = std::get_if<std::string>(&value)) {
    const hid_t type = H5Tcopy(H5T_C_S1);
    const Closer type_closer{type, H5Tclose};
    H5Tset_size(type, text->empty() ? 1 : text->size());
    const hid_t a =
        detail::check_hdf5(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), path,
                           "writing attribute " + name);
    const Closer a_closer{a, H5Aclose};
    const std::string padded = text->empty() ? std::string(1, '\0') : *text;
    detail::check_hdf5(H5Awrite(a, type, padded.c_str()), path, "writing attribute " + name);
    return;
  }
  double number = 0;
  if (const auto* d = std::get_if<double>(&value)) number = *d;
  if (const auto* i = std::get_if<long long>(&value)) {
    const hid_t a = detail::check_hdf5(
        H5Acreate2(object, name.c_str(), H5T_NATIVE_LLONG, space, H5P_DEFAULT, H5P_DEFAULT), path,
        "writing attribute " + name);
    const Closer a_closer{a, H5Aclose};
    detail::check_hdf5(H5Awrite(a, H5T_NATIVE_LLONG, i), path, "writing attribute " + name);
    return;
  }
  if (const auto* b = std::get_if<bool>(&value)) number = *b ? 1 : 0;
  const hid_t a =
      detail::check_hdf5(H5Acreate2(object, name.c_str(), H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT),
                         path, "writing attribute " + name);
  const Closer a_closer{a, H5Aclose};
  detail::check_hdf5(H5Awrite(a, H5T_NATIVE_DOUBLE, &number), path, "writing attribute " + name);
}

// One dataset of `total` rows; this rank writes `count` rows from `data` at `offset` (collectively).
void write_column(hid_t file, hid_t xfer, const std::string& name, const std::string& unit, hid_t type,
                  const void* data, long long offset, long long count, long long total,
                  const std::string& path) {
  const hsize_t dims[1] = {static_cast<hsize_t>(total)};
  const hid_t filespace = H5Screate_simple(1, dims, nullptr);
  const Closer fs_closer{filespace, H5Sclose};
  const hid_t set = detail::check_hdf5(
      H5Dcreate2(file, name.c_str(), type, filespace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path,
      "creating dataset " + name);
  const Closer set_closer{set, H5Dclose};
  if (!unit.empty()) write_attribute(set, "UNIT", unit, path);
  const hsize_t mdims[1] = {static_cast<hsize_t>(count > 0 ? count : 1)};
  const hid_t memspace = H5Screate_simple(1, mdims, nullptr);
  const Closer ms_closer{memspace, H5Sclose};
  if (count > 0) {
    const hsize_t start[1] = {static_cast<hsize_t>(offset)}, n[1] = {static_cast<hsize_t>(count)};
    H5Sselect_hyperslab(filespace, H5S_SELECT_SET, start, nullptr, n, nullptr);
  } else {  // a rank without rows still takes part in the collective write
    H5Sselect_none(filespace);
    H5Sselect_none(memspace);
  }
  detail::check_hdf5(H5Dwrite(set, type, memspace, filespace, xfer, data), path, "writing dataset " + name);
}
}  // namespace

void write_partial_healpix_hdf5(const std::string& path, const void* mpi_comm, long nside,
                                const std::string& ordering,
                                const std::vector<std::pair<std::string, std::string>>& columns,
                                const std::vector<HeaderCard>& cards, const std::vector<long long>& pixels,
                                const std::vector<std::vector<float>>& values, long long offset,
                                long long total) {
  if (values.size() != columns.size())
    throw Error(path, "writing a HEALPix map", "one value vector per column");
  for (const auto& v : values)
    if (v.size() != pixels.size()) throw Error(path, "writing a HEALPix map", "columns of unequal length");
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const MPI_Comm comm = mpi_comm ? *static_cast<const MPI_Comm*>(mpi_comm) : MPI_COMM_NULL;
  const bool parallel = comm != MPI_COMM_NULL;
  const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  const Closer fapl_closer{fapl, H5Pclose};
  if (parallel) detail::check_hdf5(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL), path, "setting up MPI-IO");
  const hid_t file = detail::check_hdf5(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), path,
                                        "creating HDF5 file");
  const Closer file_closer{file, H5Fclose};
  const hid_t xfer = H5Pcreate(H5P_DATASET_XFER);
  const Closer xfer_closer{xfer, H5Pclose};
  if (parallel)
    detail::check_hdf5(H5Pset_dxpl_mpio(xfer, H5FD_MPIO_COLLECTIVE), path, "requesting collective writes");
  // Attributes are written by every rank with the same values (HDF5 requires metadata calls to be
  // collective).
  const hid_t root = detail::check_hdf5(H5Gopen2(file, "/", H5P_DEFAULT), path, "opening the root group");
  const Closer root_closer{root, H5Gclose};
  write_attribute(root, "PIXTYPE", std::string("HEALPIX"), path);
  write_attribute(root, "ORDERING", ordering, path);
  write_attribute(root, "NSIDE", static_cast<long long>(nside), path);
  write_attribute(root, "INDXSCHM", std::string("EXPLICIT"), path);
  write_attribute(root, "COORDSYS", std::string("C"), path);
  write_attribute(root, "OBS_NPIX", total, path);
  for (const auto& card : cards) write_attribute(root, card.key, card.value, path);
  const long long count = static_cast<long long>(pixels.size());
  write_column(file, xfer, "PIXEL", "", H5T_NATIVE_LLONG, pixels.data(), offset, count, total, path);
  for (size_t k = 0; k < columns.size(); ++k)
    write_column(file, xfer, columns[k].first, columns[k].second, H5T_NATIVE_FLOAT, values[k].data(), offset,
                 count, total, path);
}

}  // namespace lofimap::io
