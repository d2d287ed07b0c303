// The common body of `tepui services` and `tepui jobs`: once the flags are
// parsed, create the daemon on a fresh event loop, let the product plug its
// logic in, and run the loop on this thread until SIGINT, SIGTERM or
// SIGUSR1 (all three stop the daemon; its tasks keep running, the master
// keeps the framework for --failover_timeout). A daemon that cannot start
// prints one line and exits with 1.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "cli/signals.hpp"
#include "common/logging.hpp"
#include "common/result.hpp"

namespace tepui::cli {

template <typename Daemon>
int runFrameworkDaemon(const std::string& product,
                       const std::function<Result<std::unique_ptr<Daemon>>(boost::asio::io_context&)>& create,
                       const std::function<void(Daemon&, boost::asio::io_context&)>& install = {}) {
  boost::asio::io_context io;
  auto daemon = create(io);
  if (!daemon) {
    std::cerr << "tepui " << product << ": " << daemon.error().message << "\n";
    return 1;
  }
  if (install) install(**daemon, io);
  return runUntilSignalled(io, [&](int) {
    TLOG(INFO) << "Stopping";
    (*daemon)->stop();
  });
}

}  // namespace tepui::cli
