// The subcommands of the tepui binary. Each takes the arguments after its
// name (argv[0] is the subcommand) and returns the process exit code. Errors
// are printed as one readable line on stderr, never a stack trace.
#pragma once

namespace tepui::cli {

int masterMain(int argc, const char* const* argv);
int agentMain(int argc, const char* const* argv);
int localMain(int argc, const char* const* argv);
int runMain(int argc, const char* const* argv);
int logsMain(int argc, const char* const* argv);
// The service scheduler daemon (Marathon-compatible API).
int servicesMain(int argc, const char* const* argv);
int servicesDeployMain(int argc, const char* const* argv);
int jobsRunsMain(int argc, const char* const* argv);
// The job scheduler daemon (Chronos-compatible API).
int jobsMain(int argc, const char* const* argv);
// The operator commands, through the master's v1 operator API: exit 0 on
// success, 1 when the cluster refuses or a name is unknown or the master
// cannot be reached, 2 for bad usage.
int agentsMain(int argc, const char* const* argv);
int frameworksMain(int argc, const char* const* argv);
int tasksMain(int argc, const char* const* argv);
int taskMain(int argc, const char* const* argv);
int killMain(int argc, const char* const* argv);
int topMain(int argc, const char* const* argv);
int stateMain(int argc, const char* const* argv);
int executorMain(int argc, const char* const* argv);

}  // namespace tepui::cli
