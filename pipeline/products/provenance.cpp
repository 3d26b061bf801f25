#include "pipeline/products/provenance.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "lofimap/build_info.hpp"

namespace lofimap::pipeline {

std::vector<io::HeaderCard> software_cards(const std::string& command_line) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", std::gmtime(&now));
  return {
      {"LMVERS", std::string(LOFIMAP_VERSION), "lofimap version"},
      {"LMGIT", std::string(LOFIMAP_GIT_HASH), "lofimap source revision"},
      {"LMDATE", std::string(date), "UTC time the product was made"},
      {"LMCMD", command_line, "command line"},
  };
}

std::vector<io::HeaderCard> provenance_cards(const std::string& command_line, const CatalogueSummary& c) {
  auto cards = software_cards(command_line);
  cards.insert(cards.end(),
               {
                   {"LMPRESET", c.preset, "survey preset"},
                   {"LMCALIB", calibration_name(c.calibration), "shape calibration"},
                   {"LMNROWS", c.rows_read, "catalogue rows read"},
                   {"LMNGAL", c.rows_valid, "valid galaxies used"},
                   {"LMNREJ", c.invalid.total(), "rows rejected (non-finite, weight, Dec, |e|)"},
                   {"LMMEANE1", c.mean_e1, "weighted mean e1 subtracted (catalogue frame)"},
                   {"LMMEANE2", c.mean_e2, "weighted mean e2 subtracted (catalogue frame)"},
                   {"LMRESP", c.response, "shear response divided out"},
                   {"LMONEPM", c.one_plus_m, "1 + m divided out"},
                   {"LMNIN", static_cast<long long>(c.files.size()), "number of input catalogue files"},
               });
  if (!c.select.empty()) {
    cards.push_back({"LMSELECT", c.select, "row selection (CFITSIO row filter)"});
    cards.push_back({"LMNSEL", c.rows_selected, "catalogue rows the selection kept"});
  }
  for (size_t i = 0; i < c.files.size() && i < 999; ++i) {
    cards.push_back({"LMIN" + std::to_string(i + 1), c.files[i], "input catalogue"});
  }
  return cards;
}

std::string catalogue_label(const std::vector<std::string>& files, const std::string& select) {
  std::string t =
      files.empty() ? std::string("catalogue") : std::filesystem::path(files.front()).filename().string();
  if (files.size() > 1) t += " + " + std::to_string(files.size() - 1) + " more";
  if (!select.empty()) t += " [" + select + "]";
  return t;
}

std::string smoothing_label(double sigma_arcmin) {
  if (!(sigma_arcmin > 0)) return ", unsmoothed";
  char text[64];
  std::snprintf(text, sizeof text, ", smoothed σ = %g'", sigma_arcmin);
  return text;
}

std::string model_label(const std::string& path, const std::string& hash) {
  return std::filesystem::path(path).filename().string() + ", " + hash.substr(0, 8);
}

}  // namespace lofimap::pipeline
