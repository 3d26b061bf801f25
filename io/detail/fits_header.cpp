#include "io/detail/fits_header.hpp"

#include "io/detail/fits_status.hpp"

namespace lofimap::io::detail {

void write_card(fitsfile* f, const HeaderCard& card, const std::string& path) {
  int status = 0;
  char* key = const_cast<char*>(card.key.c_str());
  char* comment = const_cast<char*>(card.comment.c_str());
  if (const auto* s = std::get_if<std::string>(&card.value)) {
    fits_write_key_longstr(f, key, s->c_str(), comment, &status);
  } else if (const auto* d = std::get_if<double>(&card.value)) {
    double v = *d;
    fits_write_key(f, TDOUBLE, key, &v, comment, &status);
  } else if (const auto* i = std::get_if<long long>(&card.value)) {
    LONGLONG v = *i;
    fits_write_key(f, TLONGLONG, key, &v, comment, &status);
  } else {
    int v = std::get<bool>(card.value) ? 1 : 0;
    fits_write_key(f, TLOGICAL, key, &v, comment, &status);
  }
  check_fits(status, path, "writing header keyword " + card.key);
}

void write_cards(fitsfile* f, const std::vector<HeaderCard>& cards, const std::string& path) {
  for (const auto& c : cards) write_card(f, c, path);
}

}  // namespace lofimap::io::detail
