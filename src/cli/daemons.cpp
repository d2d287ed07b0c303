// `tepui master`, `tepui agent` and `tepui executor`: parse flags, run the
// daemon's event loop on this thread until SIGINT, SIGTERM or SIGUSR1.
#include <boost/asio/io_context.hpp>
#include <csignal>
#include <functional>
#include <iostream>

#include "agent/agent.hpp"
#include "cli/commands.hpp"
#include "cli/parse_flags.hpp"
#include "cli/signals.hpp"
#include "common/logging.hpp"
#include "executor/executors.hpp"
#include "master/master.hpp"

namespace tepui::cli {

int masterMain(int argc, const char* const* argv) {
  logging::setComponent("master");
  master::MasterFlags values;
  FlagSet flags("Usage: tepui master [flags]\n\nRuns a master on --ip:--port (default 0.0.0.0:5050).");
  master::registerFlags(flags, values);
  if (int rc = parseFlags(flags, argc, argv, "master"); rc >= 0) return rc;
  boost::asio::io_context io;
  auto master = master::Master::create(io, values, &flags);
  if (!master) {
    std::cerr << "tepui master: " << master.error().message << "\n";
    return 1;
  }
  int rc = 0;
  (*master)->onFatal([&](const std::string& why) {
    // As a Mesos master aborts: its supervisor starts a fresh one, which
    // joins the election again.
    std::cerr << "tepui master: stopping: " << why << "\n";
    rc = 1;
    io.stop();
  });
  int signalled = runUntilSignalled(io, [&](int) {
    TLOG(INFO) << "Stopping";
    (*master)->stop();
  });
  return rc != 0 ? rc : signalled;
}

int agentMain(int argc, const char* const* argv) {
  logging::setComponent("agent");
  agent::AgentFlags values;
  FlagSet flags("Usage: tepui agent --master=HOST:PORT [flags]\n\nRuns an agent that registers with the master.");
  agent::registerFlags(flags, values);
  if (int rc = parseFlags(flags, argc, argv, "agent"); rc >= 0) return rc;
  if (values.master.empty()) {
    std::cerr << "tepui agent: --master is required (for example --master=127.0.0.1:5050)\n";
    return 2;
  }
  boost::asio::io_context io;
  auto agent = agent::Agent::create(io, values, &flags);
  if (!agent) {
    std::cerr << "tepui agent: " << agent.error().message << "\n";
    return 1;
  }
  int rc = 0;
  (*agent)->onShutdown([&](const std::string& why) {
    std::cerr << "tepui agent: the master shut this agent down: " << why << "\n";
    rc = 1;
    (*agent)->stop();
    io.stop();
  });
  runUntilSignalled(io, [&](int signal) {
    // As a Mesos agent: SIGUSR1 shuts down everything it runs; SIGTERM and
    // SIGINT stop the agent alone, its checkpointed executors left running
    // for the next one (an upgrade, a restart by its supervisor).
    if (signal == SIGUSR1) {
      TLOG(INFO) << "Shutting down: killing every executor";
      (*agent)->stop();
    } else {
      TLOG(INFO) << "Stopping; executors of checkpointing frameworks keep running until this agent is back";
      (*agent)->detach();
    }
  });
  return rc;
}

int executorMain(int argc, const char* const* argv) {
  std::string kind = argc > 1 ? argv[1] : "";
  if (kind == "command") return executor::commandExecutorMain();
  if (kind == "default") return executor::defaultExecutorMain();
  std::cerr << "Usage: tepui executor command|default\n\nExecutors are started by a Tepui agent, not by hand.\n";
  return 2;
}

}  // namespace tepui::cli
