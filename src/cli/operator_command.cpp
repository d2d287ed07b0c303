// The operator commands' shared front; see operator_command.hpp.
#include "cli/operator_command.hpp"

#include <iostream>
#include <vector>

#include "cli/parse_flags.hpp"
#include "common/logging.hpp"

namespace tepui::cli {

OperatorCommand::OperatorCommand(std::string name, const std::string& usage) : name_(std::move(name)), flags_(usage) {
  logging::setLevel(logging::Level::WARNING);
  flags_.add("master", &master_,
             "The master: host:port of any master, or zk://host:port[,host:port]/path of a group that elects one");
  flags_.add("json", &json_, "Print JSON (the operator API's shapes) instead of a table, for scripts");
}

int OperatorCommand::parse(int argc, const char* const* argv, std::string* argument, const std::string& what) {
  std::vector<std::string> positional;
  if (int rc = parseFlags(flags_, argc, argv, name_, argument ? &positional : nullptr); rc >= 0) return rc;
  if (argument) {
    if (positional.size() != 1) {
      return fail("expected " + what + ", got " + std::to_string(positional.size()) + " arguments (see 'tepui " +
                      name_ + " --help')",
                  kExitUsage);
    }
    *argument = positional.front();
  }
  if (!validMasterSpec(master_)) {
    return fail("invalid --master '" + master_ + "': expected host:port or zk://host:port/path", kExitUsage);
  }
  return -1;
}

int OperatorCommand::parseTask(int argc, const char* const* argv, std::string* taskId, std::string* framework) {
  flags_.add("framework", framework, "The task's framework (id or name), when several use the task id");
  return parse(argc, argv, taskId, "one task id");
}

OperatorClient* OperatorCommand::client() {
  if (!client_) {
    auto connected = OperatorClient::connect(master_);
    if (!connected) {
      fail(connected.error().message);
      return nullptr;
    }
    client_.emplace(std::move(*connected));
  }
  return &*client_;
}

std::optional<ClusterState> OperatorCommand::state() {
  auto* master = client();
  if (!master) return std::nullopt;
  auto state = master->state();
  if (!state) {
    fail(state.error().message);
    return std::nullopt;
  }
  return ClusterState(std::move(*state));
}

int OperatorCommand::fail(const std::string& message, int exitCode) const {
  std::cerr << "tepui " << name_ << ": " << message << std::endl;
  return exitCode;
}

}  // namespace tepui::cli
