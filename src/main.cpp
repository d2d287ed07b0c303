// The tepui binary: one program, subcommands for every role.
#include <cstring>
#include <iostream>
#include <string>

#include "cli/commands.hpp"

namespace {

const char* kUsage = R"(Usage: tepui <command> [flags]

Cluster:
  local       Start a whole cluster on this machine (master and agents)
  master      Run a master: pools agents' resources and offers them to frameworks
  agent       Run an agent: offers this machine's resources and runs tasks

Using a cluster:
  run         Run one command as a task, print its output, exit with its code
  logs        Print a task's stdout or stderr from its sandbox (--follow to keep going)

Internal:
  executor    Executors the agent starts (command, default)

Run 'tepui <command> --help' for the flags of a command.
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    std::cout << kUsage;
    return argc < 2 ? 1 : 0;
  }
  std::string command = argv[1];
  const char* const* args = argv + 1;
  int n = argc - 1;
  if (command == "--version" || command == "version") {
    std::cout << "tepui " << TEPUI_VERSION << "\n";
    return 0;
  }
  if (command == "master") return tepui::cli::masterMain(n, args);
  if (command == "agent" || command == "slave") return tepui::cli::agentMain(n, args);
  if (command == "local") return tepui::cli::localMain(n, args);
  if (command == "run") return tepui::cli::runMain(n, args);
  if (command == "logs") return tepui::cli::logsMain(n, args);
  if (command == "executor") return tepui::cli::executorMain(n, args);
  std::cerr << "tepui: unknown command '" << command << "'\n\n" << kUsage;
  return 2;
}
