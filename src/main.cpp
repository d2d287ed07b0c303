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
  services    Run the service scheduler: keeps long-running apps running (Marathon-compatible API)
  jobs        Run the job scheduler: runs jobs on schedules and dependencies (Chronos-compatible API)

Using a cluster:
  run         Run one command as a task, print its output, exit with its code
  logs        Print a task's stdout or stderr from its sandbox (--follow to keep going)
  agents      List the agents: state, resources used / total, tasks
  frameworks  List the frameworks: roles, state, tasks, resources
  tasks       List tasks (--all, --framework, --state, --agent, --name)
  task        Show a task: where it runs, its sandbox, status history, why it ended
  kill        Kill a task
  top         A live view of the cluster (q quits; --once prints one frame)
  state       Print the master's whole state as JSON

  These talk to the master (--master HOST:PORT or zk://..., default 127.0.0.1:5050),
  print tables, or JSON with --json. Exit codes: 0 ok, 1 the cluster refused, a name
  is unknown or the master is unreachable, 2 bad usage.

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
  if (command == "services") return tepui::cli::servicesMain(n, args);
  if (command == "jobs") return tepui::cli::jobsMain(n, args);
  if (command == "run") return tepui::cli::runMain(n, args);
  if (command == "logs") return tepui::cli::logsMain(n, args);
  if (command == "agents") return tepui::cli::agentsMain(n, args);
  if (command == "frameworks") return tepui::cli::frameworksMain(n, args);
  if (command == "tasks") return tepui::cli::tasksMain(n, args);
  if (command == "task") return tepui::cli::taskMain(n, args);
  if (command == "kill") return tepui::cli::killMain(n, args);
  if (command == "top") return tepui::cli::topMain(n, args);
  if (command == "state") return tepui::cli::stateMain(n, args);
  if (command == "executor") return tepui::cli::executorMain(n, args);
  std::cerr << "tepui: unknown command '" << command << "'\n\n" << kUsage;
  return 2;
}
