// `tepui local`: a whole cluster in one process for people and tests: a
// master and N agents on loopback, each daemon on its own event-loop thread,
// work directories under one folder. Ctrl-C (or SIGTERM) stops everything,
// executors and tasks included.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <filesystem>
#include <future>
#include <iostream>
#include <thread>

#include "agent/agent.hpp"
#include "cli/commands.hpp"
#include "cli/in_process.hpp"
#include "cli/parse_flags.hpp"
#include "common/logging.hpp"
#include "master/master.hpp"

namespace tepui::cli {

int localMain(int argc, const char* const* argv) {
  int agents = 2;
  uint16_t port = 5050;
  std::string workDir = "/tmp/tepui-local";
  std::string ip = "127.0.0.1";
  std::string resources;
  FlagSet flags(
      "Usage: tepui local [--agents N] [--port P] [--work_dir DIR]\n\n"
      "Starts a master and N agents on this machine and runs until Ctrl-C.");
  flags.add("agents", &agents, "Number of agents");
  flags.add("port", &port, "Port of the master (0 picks a free port)");
  flags.add("ip", &ip, "IP address the master and agents listen on");
  flags.add("work_dir", &workDir, "Directory under which the master and every agent keep their state");
  flags.add("resources", &resources, "Resources of each agent, as for 'tepui agent --resources' (default: detected)");
  if (int rc = parseFlags(flags, argc, argv, "local"); rc >= 0) return rc;
  if (agents < 0 || agents > 64) {
    std::cerr << "tepui local: --agents must be between 0 and 64\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(workDir, ec);
  if (ec) {
    std::cerr << "tepui local: cannot create --work_dir '" << workDir << "': " << ec.message() << "\n";
    return 1;
  }

  InProcess<master::Master> master;
  master::MasterFlags masterFlags;
  masterFlags.ip = ip;
  masterFlags.port = port;
  masterFlags.work_dir = workDir + "/master";
  masterFlags.hostname = ip;
  FlagSet masterFlagSet("");  // so that /flags shows what the master runs with
  master::registerFlags(masterFlagSet, masterFlags);
  auto s = master.start("master", [&](boost::asio::io_context& io) {
    return master::Master::create(io, masterFlags, &masterFlagSet);
  });
  if (!s) {
    std::cerr << "tepui local: cannot start the master: " << s.error().message << "\n";
    return 1;
  }
  std::string masterAddress = ip + ":" + std::to_string(master->port());

  std::vector<std::unique_ptr<InProcess<agent::Agent>>> running;
  for (int i = 0; i < agents; ++i) {
    auto r = std::make_unique<InProcess<agent::Agent>>();
    agent::AgentFlags agentFlags;
    agentFlags.master = masterAddress;
    agentFlags.ip = ip;
    agentFlags.port = 0;
    agentFlags.work_dir = workDir + "/agent-" + std::to_string(i);
    agentFlags.resources = resources;
    agentFlags.hostname = ip;
    auto started = r->start("agent-" + std::to_string(i),
                            [&](boost::asio::io_context& io) { return agent::Agent::create(io, agentFlags); });
    if (!started) {
      std::cerr << "tepui local: cannot start agent " << i << ": " << started.error().message << "\n";
      for (auto& a : running) a->stop();
      master.stop();
      return 1;
    }
    running.push_back(std::move(r));
  }

  std::cout << "Tepui local cluster is up.\n"
            << "  master:  http://" << masterAddress << "   (state: http://" << masterAddress << "/master/state)\n"
            << "  agents:  " << agents << ", work directories under " << workDir << "\n"
            << "Try:\n"
            << "  tepui run --master " << masterAddress << " -- echo hello\n"
            << "  curl -s http://" << masterAddress << "/master/state-summary\n"
            << "Press Ctrl-C to stop." << std::endl;

  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  io.run();
  std::cout << "\nStopping the local cluster..." << std::endl;
  for (auto& a : running) a->stop();
  master.stop();
  std::cout << "Stopped." << std::endl;
  return 0;
}

}  // namespace tepui::cli
