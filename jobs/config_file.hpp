// The --config file reader: a strict, bounded subset of TOML in place of CLI11's own reader. CLI11's reader
// keeps unknown keys, `key: value` lines and a byte-order mark silently, keeps the first of two values given
// for one key, and takes time and memory quadratic in the parts of a dotted table name (a 100 kB file with
// `[a.a.a...]` ended in bad_alloc). Here every line is either blank, a comment, `[section]` naming a command,
// or `key = value` naming one of that command's options; anything else is a parse error (exit 2) with the
// file and line.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace lofimap::jobs {

// Installs the reader on `app` with the --config option and its checks (a regular text file of at most 1
// MiB).
void add_config_option(CLI::App& app);

}  // namespace lofimap::jobs
