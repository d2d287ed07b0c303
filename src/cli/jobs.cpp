// `tepui jobs`: the Chronos-compatible job scheduler daemon (see
// framework_daemon.hpp for how it runs and stops).
#include "jobs/jobs.hpp"

#include <string>

#include "cli/commands.hpp"
#include "cli/framework_daemon.hpp"
#include "cli/parse_flags.hpp"
#include "jobs/scheduling.hpp"

namespace tepui::cli {

int jobsMain(int argc, const char* const* argv) {
  if (argc > 1 && std::string(argv[1]) == "runs") return jobsRunsMain(argc - 1, argv + 1);
  logging::setComponent("jobs");
  jobs::JobsFlags values;
  FlagSet flags(
      "Usage: tepui jobs --master=HOST:PORT|zk://... (--work_dir=DIR | --zk=zk://...) [flags]\n\n"
      "       tepui jobs runs NAME [--jobs=HOST:PORT] [--json]   (see 'tepui jobs runs --help')\n\n"
      "Runs the job scheduler: a framework that runs jobs on schedules and after the jobs they depend\n"
      "on, with a Chronos-compatible HTTP API on --ip:--port (default 0.0.0.0:4400). With --zk,\n"
      "several instances share the state in ZooKeeper and elect a leader; the others redirect to it.");
  jobs::registerFlags(flags, values);
  if (int rc = parseFlags(flags, argc, argv, "jobs"); rc >= 0) return rc;
  return runFrameworkDaemon<jobs::Jobs>(
      "jobs", [&](boost::asio::io_context& io) { return jobs::Jobs::create(io, values, &flags); },
      [](jobs::Jobs& daemon, boost::asio::io_context& io) { jobs::attachScheduling(io, daemon); });
}

}  // namespace tepui::cli
