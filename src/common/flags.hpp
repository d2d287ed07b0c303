// Command-line flags in Mesos's style: `--name=value` or `--name value`,
// booleans as `--name`, `--name=true|false` or `--no-name`. Each flag may
// also come from the environment as TEPUI_<NAME> (upper case); the command
// line wins. Unknown flags and bad values are errors that name the flag.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/duration.hpp"
#include "common/result.hpp"

namespace tepui {

class FlagSet {
 public:
  using Target = std::variant<std::string*, bool*, int*, uint16_t*, double*, Seconds*,
                              std::optional<std::string>*, std::optional<Seconds>*>;

  explicit FlagSet(std::string usage) : usage_(std::move(usage)) {}

  // `target` holds the default on entry.
  void add(const std::string& name, Target target, const std::string& help);

  // Parses argv[first..]; returns the positional arguments. "--" ends flags
  // (everything after is positional). "--help" sets helpRequested().
  Result<std::vector<std::string>> parse(int argc, const char* const* argv, int first = 1);

  bool helpRequested() const { return help_; }
  std::string help() const;
  // Every flag's current value as text, for /flags and GET_FLAGS.
  std::vector<std::pair<std::string, std::string>> values() const;

 private:
  struct Flag {
    std::string name;
    Target target;
    std::string help;
    std::string defaultText;
  };
  Status set(Flag& flag, const std::string& value, bool fromEnv);
  static std::string show(const Target& target);

  std::string usage_;
  std::vector<Flag> flags_;
  bool help_ = false;
};

}  // namespace tepui
