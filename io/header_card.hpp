// A FITS header card as lofimap writes it into every product (provenance, options, measured values).
#pragma once

#include <string>
#include <variant>

namespace lofimap::io {

using HeaderValue = std::variant<std::string, double, long long, bool>;
struct HeaderCard {
  std::string key;  // at most 8 characters
  HeaderValue value;
  std::string comment;
};

}  // namespace lofimap::io
