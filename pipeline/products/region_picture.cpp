#include "pipeline/products/region_picture.hpp"

#include "io/atomic_output.hpp"
#include "io/png_quicklook.hpp"
#include "pipeline/products/quicklook_raster.hpp"

namespace lofimap::pipeline {

std::string write_region_picture(const RegionRun& run, const OutputOptions& output, const std::string& path,
                                 const std::string& title) {
  if (!output.png || run.picture.empty() || run.interrupted) return "";
  io::AtomicOutput out(path, output.overwrite);
  QuicklookView view = sphere_partial_view(run.picture, run.picture_nside, true);
  view.style.title = title;
  view.style.colorbar_label = "κ";
  io::write_quicklook_png(out.temp_path(), view.raster, view.style);
  out.commit();
  return path;
}

}  // namespace lofimap::pipeline
