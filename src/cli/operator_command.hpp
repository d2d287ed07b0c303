// The front that the operator commands (`tepui agents`, `frameworks`,
// `tasks`, `task`, `kill`, `top`, `state`) share: the --master and --json
// flags, parsing, connecting to the leading master, fetching GET_STATE, and
// errors as one line "tepui <command>: <why>" with the exit code of
// operator_client.hpp (1 for the cluster, 2 for usage).
#pragma once

#include <optional>
#include <string>

#include "cli/cluster_state.hpp"
#include "cli/operator_client.hpp"
#include "common/flags.hpp"

namespace tepui::cli {

class OperatorCommand {
 public:
  // `usage` is the first lines of --help; the command adds its own flags
  // to flags() before parse().
  OperatorCommand(std::string name, const std::string& usage);

  FlagSet& flags() { return flags_; }
  bool json() const { return json_; }
  const std::string& master() const { return master_; }  // --master as given

  // -1 to go on, or the exit code (0 after --help, 2 after a bad flag or a
  // malformed --master). Without `argument`, any argument is an error; with
  // it, exactly one is required (`what` names it: "a task id").
  int parse(int argc, const char* const* argv, std::string* argument = nullptr, const std::string& what = "");

  // For the commands on one task (`task`, `kill`): adds --framework (the
  // task's framework, by id or name), then parse()s one argument, the id.
  int parseTask(int argc, const char* const* argv, std::string* taskId, std::string* framework);

  // The client of the leading master, connected on first use; null after
  // printing why it cannot be found.
  OperatorClient* client();
  // The master's state; nullopt after printing why.
  std::optional<ClusterState> state();

  // Prints "tepui <name>: <message>" on stderr and returns `exitCode`.
  int fail(const std::string& message, int exitCode = kExitFailed) const;

 private:
  std::string name_;
  std::string master_ = "127.0.0.1:5050";
  bool json_ = false;
  FlagSet flags_;
  std::optional<OperatorClient> client_;
};

}  // namespace tepui::cli
