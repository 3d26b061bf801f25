// Partial (explicit-index) HEALPix maps in HDF5, written collectively by the ranks that made them (MPI-IO):
// /PIXEL (int64, ascending) and one float32 dataset per column, each of the map's total length; every rank
// writes its own contiguous share at its offset, so no rank gathers the map. Root-group attributes: PIXTYPE,
// ORDERING, NSIDE, INDXSCHM ("EXPLICIT"), COORDSYS, OBS_NPIX and the provenance cards; each dataset carries
// its UNIT. For maps too large for one writer (FITS output goes through rank 0). h5py reads it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "io/fits_maps.hpp"

namespace lofimap::io {

// Collective over the ranks of mpi_comm (the address of an MPI_Comm, distributed::Communicator::mpi_handle(),
// or nullptr for one process): every rank passes the same path, nside, columns and cards, its share (pixels
// and one value vector per column, equal lengths), the share's first row in the map (`offset`) and the map's
// length
// (`total`). Throws io::Error naming the file on failure.
void write_partial_healpix_hdf5(const std::string& path, const void* mpi_comm, long nside,
                                const std::string& ordering,
                                const std::vector<std::pair<std::string, std::string>>& columns,
                                const std::vector<HeaderCard>& cards, const std::vector<long long>& pixels,
                                const std::vector<std::vector<float>>& values, long long offset,
                                long long total);

}  // namespace lofimap::io
