// One table of names per enum: command-line choices, JSON records and messages all read it, so that every
// spelling is written once, beside its enum.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace lofimap::pipeline {

template <typename E>
using EnumNames = std::vector<std::pair<std::string, E>>;

template <typename E>
std::string name_of(const EnumNames<E>& names, E value) {
  for (const auto& [name, v] : names)
    if (v == value) return name;
  return "?";
}

// "a, b or c": for messages that list the choices.
template <typename E>
std::string listed(const EnumNames<E>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i].first;
  return out;
}

// The value named `name`; throws std::invalid_argument naming `what` and the choices otherwise.
template <typename E>
E value_of(const EnumNames<E>& names, const std::string& name, const std::string& what) {
  for (const auto& [n, v] : names)
    if (n == name) return v;
  throw std::invalid_argument(what + ": expected " + listed(names) + ", got '" + name + "'");
}

}  // namespace lofimap::pipeline
