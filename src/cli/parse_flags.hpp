// The common front of every subcommand: parse its flags, print --help, and
// turn a bad flag into one readable line on stderr.
#pragma once

#include <iostream>
#include <string>
#include <vector>

#include "common/flags.hpp"

namespace tepui::cli {

// Returns -1 to go on, or the exit code (0 after --help, 2 after an error).
// Positional arguments go to `positional`; without it they are an error.
inline int parseFlags(FlagSet& flags, int argc, const char* const* argv, const std::string& command,
                      std::vector<std::string>* positional = nullptr) {
  auto parsed = flags.parse(argc, argv);
  if (!parsed) {
    std::cerr << "tepui " << command << ": " << parsed.error().message << "\n";
    return 2;
  }
  if (flags.helpRequested()) {
    std::cout << flags.help();
    return 0;
  }
  if (positional) {
    *positional = std::move(*parsed);
  } else if (!parsed->empty()) {
    std::cerr << "tepui " << command << ": unexpected argument '" << parsed->front() << "'\n";
    return 2;
  }
  return -1;
}

}  // namespace tepui::cli
