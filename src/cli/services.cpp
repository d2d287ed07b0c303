// `tepui services`: the Marathon-compatible service scheduler daemon. Parses
// its flags and runs its event loop on this thread until SIGINT, SIGTERM or
// SIGUSR1 (all three stop it; its tasks keep running, the master keeps them
// for --failover_timeout).
#include "services/services.hpp"

#include <boost/asio/io_context.hpp>
#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "cli/parse_flags.hpp"
#include "cli/signals.hpp"
#include "common/logging.hpp"
#include "services/api.hpp"

namespace tepui::cli {

int servicesMain(int argc, const char* const* argv) {
  if (argc > 1 && std::string(argv[1]) == "deploy") return servicesDeployMain(argc - 1, argv + 1);
  logging::setComponent("services");
  services::ServicesFlags values;
  FlagSet flags(
      "Usage: tepui services --master=HOST:PORT|zk://... (--work_dir=DIR | --zk=zk://...) [flags]\n\n"
      "       tepui services deploy FILE [--services=HOST:PORT] [--wait]   (see 'tepui services deploy --help')\n\n"
      "Runs the service scheduler: a framework that keeps long-running apps running, with a\n"
      "Marathon-compatible HTTP API on --ip:--port (default 0.0.0.0:8080). With --zk, several\n"
      "instances share the state in ZooKeeper and elect a leader; the others redirect to it.");
  services::registerFlags(flags, values);
  if (int rc = parseFlags(flags, argc, argv, "services"); rc >= 0) return rc;
  boost::asio::io_context io;
  auto daemon = services::Services::create(io, values, &flags);
  if (!daemon) {
    std::cerr << "tepui services: " << daemon.error().message << "\n";
    return 1;
  }
  services::SchedulerOptions options;
  options.defaultUser = values.user;
  services::installScheduler(**daemon, io, options);
  return runUntilSignalled(io, [&](int) {
    TLOG(INFO) << "Stopping";
    (*daemon)->stop();
  });
}

}  // namespace tepui::cli
