// Partial HEALPix maps written piece by piece: explicit indexing (a PIXEL column, INDXSCHM = EXPLICIT,
// OBJECT = PARTIAL), NESTED or RING ordering, float columns, rows appended in increasing pixel order as the
// ranks' shares arrive, so that the writer never holds the whole map. healpy reads them with
// read_map(path, field, partial=True) (pixels not listed are UNSEEN). Written to a temporary name and renamed
// into place on commit().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/fits_maps.hpp"

namespace lofimap::io {

enum class HealpixOrdering { Ring, Nested };

class PartialHealpixWriter {
 public:
  // columns: names and units of the float columns after PIXEL. Throws io::Error when the output cannot be
  // written (checked before anything is created).
  PartialHealpixWriter(const std::string& path, long nside, HealpixOrdering ordering,
                       const std::vector<std::pair<std::string, std::string>>& columns,
                       const std::vector<HeaderCard>& provenance, bool overwrite);
  ~PartialHealpixWriter();
  PartialHealpixWriter(const PartialHealpixWriter&) = delete;
  PartialHealpixWriter& operator=(const PartialHealpixWriter&) = delete;
  // Appends rows: pixels strictly increasing (also across calls), one value per pixel in every column.
  void append(const std::vector<long long>& pixels, const std::vector<std::vector<float>>& columns);
  long long rows() const { return rows_; }
  void commit();  // closes the file and moves it into place

 private:
  struct State;
  std::unique_ptr<State> state_;
  long long rows_ = 0, last_pixel_ = -1, npix_ = 0;
  std::string path_;
};

struct PartialHealpixMap {
  long nside = 0;
  HealpixOrdering ordering = HealpixOrdering::Ring;
  std::vector<long long> pixels;
  std::vector<float> values;
};
// One column of a partial (explicit) map, in the file's ordering.
PartialHealpixMap read_partial_healpix(const std::string& path, const std::string& column);

}  // namespace lofimap::io
