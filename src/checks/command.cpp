// commandSpec (see checks.hpp): how a CommandInfo becomes a process.
#include "checks/checks.hpp"

namespace tepui::checks {

containerizer::SpawnSpec commandSpec(const v1::CommandInfo& command, std::map<std::string, std::string> environment,
                                     const std::string& workingDirectory) {
  containerizer::SpawnSpec spec;
  spec.environment = std::move(environment);
  for (const auto& v : command.environment().variables()) {
    if (v.type() != v1::Environment::Variable::SECRET) spec.environment[v.name()] = v.value();
  }
  if (command.shell()) {
    spec.argv = {"/bin/sh", "-c", command.value()};
  } else {
    spec.argv.assign(command.arguments().begin(), command.arguments().end());
    if (spec.argv.empty()) spec.argv.push_back(command.value());
    spec.argv[0] = command.value();
  }
  spec.workingDirectory = workingDirectory;
  spec.dieWithParent = true;
  return spec;
}

}  // namespace tepui::checks
