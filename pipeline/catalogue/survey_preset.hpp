// Survey presets: which columns hold what, how the shapes are calibrated, and how the catalogue's (e1, e2)
// map to the internal flat frame (x = +RA): DES, KiDS and COSMOS (e1, -e2), HSC (e1, e2), HEALPix-convention
// simulations (-e1, -e2). Every column can be overridden from the command line.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pipeline/core/enum_names.hpp"

namespace lofimap::pipeline {

enum class Calibration {
  None,          // use the shapes as they are
  MeanSubtract,  // subtract the weighted mean (additive bias)
  DesMetacal,    // subtract the weighted mean e, divide by the weighted mean response (R11 + R22) / 2
  Kids,          // subtract c (column or weighted mean), divide by 1 + m (column or option)
  Hsc,           // g = (e / (2R) - c) / (1 + m), R = 1 - <e_rms^2>, m and c per galaxy, weighted means
};

// Column roles. Optional roles may be empty (absent).
struct ColumnMap {
  std::string ra, dec, e1, e2, weight;
  std::string r11, r22;  // DES metacal responses
  std::string m;         // multiplicative bias (KiDS optional, HSC)
  std::string c1, c2;    // additive bias (HSC, optional KiDS)
  std::string e_rms;     // HSC per-galaxy RMS ellipticity (responsivity)
  std::string z;         // the survey's usual photometric redshift (tomographic bins: --bins z ...)
};

struct SurveyPreset {
  std::string name;
  std::string description;
  ColumnMap columns;
  Calibration calibration = Calibration::None;
  // Multipliers taking the catalogue's (e1, e2) into the internal flat frame (x = +RA).
  double flat_sign1 = 1, flat_sign2 = 1;
  // |e| >= 1 is invalid for ellipticity/shear estimators that are bounded.
  bool bounded_shapes = true;
};

// Throws std::invalid_argument listing the known presets when name is unknown.
SurveyPreset survey_preset(const std::string& name);
std::vector<std::string> survey_preset_names();
const EnumNames<Calibration>& calibration_names();  // none, mean, des, kids, hsc
// Throws std::invalid_argument naming --calibration and the choices for an unknown name.
Calibration parse_calibration(const std::string& name);
std::string calibration_name(Calibration c);

// Applies role=column overrides ("e1=G1"); unknown roles throw std::invalid_argument naming the role.
void override_columns(ColumnMap& columns, const std::map<std::string, std::string>& overrides);

}  // namespace lofimap::pipeline
