// Internal to io/: writing lofimap's header cards with CFITSIO (long strings use the CONTINUE convention).
#pragma once

#include <fitsio.h>

#include <string>
#include <vector>

#include "io/header_card.hpp"

namespace lofimap::io::detail {

void write_card(fitsfile* f, const HeaderCard& card, const std::string& path);
void write_cards(fitsfile* f, const std::vector<HeaderCard>& cards, const std::string& path);

}  // namespace lofimap::io::detail
