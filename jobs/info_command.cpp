// `lofimap info FILE...`: what a FITS or HDF5 file contains.
#include <cstdio>

#include "io/file_info.hpp"
#include "jobs/command.hpp"

namespace lofimap::jobs {

void register_info(CLI::App& app, const GlobalOptions&, Action& action) {
  auto* cmd = app.add_subcommand("info", "describe FITS/HDF5 files (HDUs, columns, WCS, provenance)");
  auto files = std::make_shared<std::vector<std::string>>();
  cmd->add_option("files", *files, "FITS or HDF5 files")->required();
  cmd->callback([&action, files] {
    action = [files] {
      for (const auto& f : *files) std::fputs(io::describe_file(f).c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace lofimap::jobs
