// `tepui services`: the Marathon-compatible service scheduler daemon (see
// framework_daemon.hpp for how it runs and stops), and `tepui services
// deploy`.
#include "services/services.hpp"

#include <string>

#include "cli/commands.hpp"
#include "cli/framework_daemon.hpp"
#include "cli/parse_flags.hpp"
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
  services::SchedulerOptions options;
  options.defaultUser = values.user;
  return runFrameworkDaemon<services::Services>(
      "services", [&](boost::asio::io_context& io) { return services::Services::create(io, values, &flags); },
      [&](services::Services& daemon, boost::asio::io_context& io) {
        services::installScheduler(daemon, io, options);
      });
}

}  // namespace tepui::cli
