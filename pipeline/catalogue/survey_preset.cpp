#include "pipeline/catalogue/survey_preset.hpp"

#include <stdexcept>

namespace lofimap::pipeline {

namespace {

std::vector<SurveyPreset> all_presets() {
  std::vector<SurveyPreset> p;
  {
    SurveyPreset s{"des", "DES Y1/Y3/Y6 metacalibration", {}, Calibration::DesMetacal, 1, -1, true};
    s.columns = {"ra", "dec", "e_1", "e_2", "weight", "R11", "R22", "", "", "", "", "DNF_ZMEAN_SOF"};
    p.push_back(s);
  }
  {
    SurveyPreset s{"kids", "KiDS lensfit (m optional)", {}, Calibration::Kids, 1, -1, true};
    s.columns = {"ALPHA_J2000", "DELTA_J2000", "e1", "e2", "weight", "", "", "", "", "", "", "Z_B"};
    p.push_back(s);
  }
  {
    SurveyPreset s{"hsc", "HSC Y3 re-Gaussianization", {}, Calibration::Hsc, 1, 1, true};
    s.columns = {"i_ra",
                 "i_dec",
                 "i_hsmshaperegauss_e1",
                 "i_hsmshaperegauss_e2",
                 "i_hsmshaperegauss_derived_weight",
                 "",
                 "",
                 "i_hsmshaperegauss_derived_shear_bias_m",
                 "i_hsmshaperegauss_derived_shear_bias_c1",
                 "i_hsmshaperegauss_derived_shear_bias_c2",
                 "i_hsmshaperegauss_derived_rms_e",
                 "photoz_best"};
    p.push_back(s);
  }
  {
    SurveyPreset s{"cosmos", "COSMOS HST/ACS (Schrabback et al. 2010)", {}, Calibration::MeanSubtract, 1, -1,
                   true};
    s.columns = {"RA", "DEC", "E1", "E2", "WEIGHT", "", "", "", "", "", "", "ZPHOT"};
    p.push_back(s);
  }
  {
    SurveyPreset s{"healpix-sim", "simulations in the HEALPix convention", {}, Calibration::None, -1, -1,
                   true};
    s.columns = {"ra", "dec", "gamma1", "gamma2", "", "", "", "", "", "", "", "z"};
    p.push_back(s);
  }
  {
    SurveyPreset s{"generic", "RA, DEC, E1, E2, WEIGHT already in the internal flat frame (e1 along +RA)",
                   {},        Calibration::None,
                   1,         1,
                   false};
    s.columns = {"RA", "DEC", "E1", "E2", "WEIGHT", "", "", "", "", "", "", "Z"};
    p.push_back(s);
  }
  return p;
}

}  // namespace

SurveyPreset survey_preset(const std::string& name) {
  std::string known;
  for (const auto& p : all_presets()) {
    if (p.name == name) return p;
    known += (known.empty() ? "" : ", ") + p.name;
  }
  throw std::invalid_argument("--preset: unknown survey preset '" + name + "' (known: " + known + ")");
}

std::vector<std::string> survey_preset_names() {
  std::vector<std::string> names;
  for (const auto& p : all_presets()) names.push_back(p.name);
  return names;
}

const EnumNames<Calibration>& calibration_names() {
  static const EnumNames<Calibration> names = {{"none", Calibration::None},
                                               {"mean", Calibration::MeanSubtract},
                                               {"des", Calibration::DesMetacal},
                                               {"kids", Calibration::Kids},
                                               {"hsc", Calibration::Hsc}};
  return names;
}

Calibration parse_calibration(const std::string& name) {
  return value_of(calibration_names(), name, "--calibration");
}

std::string calibration_name(Calibration c) {
  return name_of(calibration_names(), c);
}

void override_columns(ColumnMap& c, const std::map<std::string, std::string>& overrides) {
  const std::map<std::string, std::string*> roles = {
      {"ra", &c.ra},   {"dec", &c.dec}, {"e1", &c.e1}, {"e2", &c.e2}, {"weight", &c.weight}, {"r11", &c.r11},
      {"r22", &c.r22}, {"m", &c.m},     {"c1", &c.c1}, {"c2", &c.c2}, {"e_rms", &c.e_rms},   {"z", &c.z}};
  for (const auto& [role, column] : overrides) {
    auto it = roles.find(role);
    if (it == roles.end()) {
      throw std::invalid_argument("--column: unknown role '" + role +
                                  "' (ra, dec, e1, e2, weight, r11, r22, m, c1, c2, e_rms, z)");
    }
    *it->second = column;
  }
}

}  // namespace lofimap::pipeline
