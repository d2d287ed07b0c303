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
int executorMain(int argc, const char* const* argv);

}  // namespace tepui::cli
