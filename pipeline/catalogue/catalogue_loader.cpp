#include "pipeline/catalogue/catalogue_loader.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <stdexcept>
#include <string>

#include "io/catalogue_files.hpp"
#include "io/error.hpp"
#include "io/file_identity.hpp"

namespace lofimap::pipeline {

LoadedCatalogue load_catalogue(const CatalogueOptions& options, const distributed::Communicator& comm) {
  CatalogueScan scan(options, comm);
  const long long rows = scan.rows();
  const int parts = scan.default_parts();
  LoadedCatalogue out;
  ShearCatalogue& g = out.galaxies;
  const bool with_c = scan.per_galaxy_c();
  CatalogueColumn c1, c2;  // per-galaxy additive biases, when subtracted galaxy by galaxy
  for (auto* column : {&g.ra_deg, &g.dec_deg, &g.g1, &g.g2, &g.weight})
    column->resize(static_cast<size_t>(rows));
  if (with_c) c1.resize(static_cast<size_t>(rows)), c2.resize(static_cast<size_t>(rows));
  // Each part writes its valid rows from its own first row on; the gaps its invalid rows leave are closed
  // afterwards, so the galaxies stay in row order.
  std::vector<size_t> cursor(static_cast<size_t>(parts));
  for (int p = 0; p < parts; ++p)
    cursor[static_cast<size_t>(p)] = static_cast<size_t>(scan.part_first_row(parts, p));
  scan.run(parts, [&](int part, const RawShearRows& r) {
    size_t& at = cursor[static_cast<size_t>(part)];
    std::copy(r.ra.begin(), r.ra.end(), g.ra_deg.begin() + static_cast<long>(at));
    std::copy(r.dec.begin(), r.dec.end(), g.dec_deg.begin() + static_cast<long>(at));
    std::copy(r.e1.begin(), r.e1.end(), g.g1.begin() + static_cast<long>(at));
    std::copy(r.e2.begin(), r.e2.end(), g.g2.begin() + static_cast<long>(at));
    std::copy(r.w.begin(), r.w.end(), g.weight.begin() + static_cast<long>(at));
    if (with_c) {
      std::copy(r.c1.begin(), r.c1.end(), c1.begin() + static_cast<long>(at));
      std::copy(r.c2.begin(), r.c2.end(), c2.begin() + static_cast<long>(at));
    }
    at += r.size();
  });
  size_t end = cursor[0];
  for (int p = 1; p < parts; ++p) {
    const size_t first = static_cast<size_t>(scan.part_first_row(parts, p)),
                 n = cursor[static_cast<size_t>(p)] - first;
    if (first != end)
      for (auto* column : {&g.ra_deg, &g.dec_deg, &g.g1, &g.g2, &g.weight, &c1, &c2})
        if (!column->empty())
          std::copy(column->begin() + static_cast<long>(first),
                    column->begin() + static_cast<long>(first + n), column->begin() + static_cast<long>(end));
    end += n;
  }
  for (auto* column : {&g.ra_deg, &g.dec_deg, &g.g1, &g.g2, &g.weight}) column->resize(end);

  ShapeCalibration calibration;
  out.summary = scan.finish(calibration);
  for (size_t i = 0; i < g.size(); ++i)
    calibration.apply(g.g1[i], g.g2[i], with_c ? c1[i] : 0.0, with_c ? c2[i] : 0.0, g.g1[i], g.g2[i]);
  return out;
}

CatalogueRereader::CatalogueRereader(const CatalogueOptions& options, const distributed::Communicator& comm)
    : scan_(std::make_unique<CatalogueScan>(options, comm)) {
  for (const auto& path : io::expand_catalogue_paths(options.inputs))
    identities_.emplace_back(path, io::file_identity(path));
  std::atomic<long long> rows{0};  // parts run on threads of their own
  scan_->run(scan_->default_parts(),
             [&](int, const RawShearRows& r) { rows += static_cast<long long>(r.size()); });
  rows_ = rows.load();
  summary_ = scan_->finish(calibration_);
}

void CatalogueRereader::check_unchanged() const {
  for (const auto& [path, identity] : identities_)
    io::check_file_identity(path, identity,
                            "reading the catalogue again (--reread-catalogue needs it unchanged "
                            "until the map is written)");
}

void CatalogueRereader::for_each(const RowChunkVisitor& visit) const {
  check_unchanged();
  ShearCatalogue chunk;
  long long first = 0;
  scan_->run(1, [&](int, const RawShearRows& r) {
    const size_t n = r.size();
    const bool with_c = !r.c1.empty();
    chunk.ra_deg.assign(r.ra.begin(), r.ra.end());
    chunk.dec_deg.assign(r.dec.begin(), r.dec.end());
    chunk.weight.assign(r.w.begin(), r.w.end());
    chunk.g1.resize(n), chunk.g2.resize(n);
    for (size_t i = 0; i < n; ++i)  // as load_catalogue
      calibration_.apply(r.e1[i], r.e2[i], with_c ? r.c1[i] : 0.0, with_c ? r.c2[i] : 0.0, chunk.g1[i],
                         chunk.g2[i]);
    visit(chunk, first);
    first += static_cast<long long>(n);
  });
  check_unchanged();  // a file replaced during this pass (its rows may be a mix of both)
  if (first != rows_)
    throw io::Error(summary_.files.front(), "reading the catalogue again (--reread-catalogue)",
                    "the file(s) changed while being read: " + std::to_string(rows_) +
                        " valid rows in the first pass, " + std::to_string(first) + " now");
}

double measured_shape_noise(const RowSource& galaxies, const distributed::Communicator& comm) {
  double sums[2] = {0, 0};
  galaxies.for_each([&](const ShearCatalogue& g, long long) {
    for (size_t i = 0; i < g.size(); ++i) {
      const double w = g.weight[i];
      sums[0] += w * (g.g1[i] * g.g1[i] + g.g2[i] * g.g2[i]);
      sums[1] += w;
    }
  });
  comm.allreduce_sum(sums, 2);
  return sums[1] > 0 ? std::sqrt(sums[0] / (2 * sums[1])) : 0.0;
}

double measured_shape_noise(const ShearCatalogue& galaxies, const distributed::Communicator& comm) {
  return measured_shape_noise(HeldRows(galaxies), comm);
}

}  // namespace lofimap::pipeline
