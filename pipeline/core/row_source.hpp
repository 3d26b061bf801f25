// A rank's galaxies visited in chunks, in row order: held in memory (HeldRows) or read again from the
// catalogue on every visit (pipeline/catalogue's CatalogueRereader), so that code which passes over the
// galaxies a few times (region assignment, large scales, the galaxy exchange's waves) need not hold them.
#pragma once

#include <functional>

#include "pipeline/core/shear_catalogue.hpp"

namespace lofimap::pipeline {

// visit(chunk, first): `first` is the index of the chunk's first galaxy among the rank's galaxies.
using RowChunkVisitor = std::function<void(const ShearCatalogue& chunk, long long first)>;

class RowSource {
 public:
  virtual ~RowSource() = default;
  // The rank's galaxies (valid, calibrated rows).
  virtual long long size() const = 0;
  // Every galaxy once, in consecutive chunks in row order. Not collective.
  virtual void for_each(const RowChunkVisitor& visit) const = 0;
};

// Galaxies held in memory: one chunk. `rows` must outlive the source.
class HeldRows final : public RowSource {
 public:
  explicit HeldRows(const ShearCatalogue& rows) : rows_(rows) {}
  long long size() const override { return static_cast<long long>(rows_.size()); }
  void for_each(const RowChunkVisitor& visit) const override { visit(rows_, 0); }

 private:
  const ShearCatalogue& rows_;
};

}  // namespace lofimap::pipeline
