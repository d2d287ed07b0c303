// The main loop every executor built into Tepui shares: read the MESOS_*
// environment (a readable error and exit code 2 when it is missing: these
// programs are started by an agent), run the executor on one io_context,
// and on SIGTERM or SIGINT destroy its tasks and stop.
//
// Executor must be constructible from (io_context&, ExecutorEnvironment) and
// have start(), destroy() and exitCode().
#pragma once

#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <iostream>

#include "common/logging.hpp"
#include "executor/executor_client.hpp"

namespace tepui::executor {

template <typename Executor>
int runExecutor(const char* component, const char* command) {
  logging::setComponent(component);
  auto env = ExecutorEnvironment::fromEnvironment();
  if (!env) {
    std::cerr << command << ": " << env.error().message << " (this program is started by a Tepui agent, not by hand)\n";
    return 2;
  }
  boost::asio::io_context io;
  Executor executor(io, *env);
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    executor.destroy();
    io.stop();
  });
  executor.start();
  io.run();
  return executor.exitCode();
}

}  // namespace tepui::executor
