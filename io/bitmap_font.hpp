// Internal to io/: a 5x7 bitmap font (upper case, digits, a few symbols) for PNG annotations, drawn by hand
// from the shapes of ordinary terminal glyphs so that quick-looks need no font library.
#pragma once

#include <array>
#include <cstdint>

namespace lofimap::io::detail {

// Returns 7 rows of 5 bits (bit 4 = leftmost column) for c; unknown characters render as a blank.
std::array<std::uint8_t, 7> glyph(char c);

}  // namespace lofimap::io::detail
