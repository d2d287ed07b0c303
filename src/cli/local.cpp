// `tepui local`: a whole cluster in one process for people and tests: a
// master (or, with --masters 3, three that elect a leader through
// ZooKeeper, started here unless --zk names one), N agents on loopback,
// the services scheduler (`tepui services`, unless --services=false) and
// the job scheduler (`tepui jobs`, unless --jobs=false), each
// daemon on its own event-loop thread, work directories under one
// folder. Ctrl-C (or SIGTERM) stops everything, executors and tasks
// included.
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
#include "cli/local_zookeeper.hpp"
#include "cli/parse_flags.hpp"
#include "common/logging.hpp"
#include "frameworks/flags.hpp"
#include "jobs/jobs.hpp"
#include "jobs/scheduling.hpp"
#include "master/master.hpp"
#include "services/api.hpp"
#include "services/services.hpp"

namespace tepui::cli {

namespace {

// One master of a local cluster, with the flags it runs with (its /flags
// reads them for as long as it runs).
struct LocalMaster {
  InProcess<master::Master> process;
  master::MasterFlags flags;
  FlagSet flagSet{""};
};

// Starts master `index` of `count`; its address, or an error.
Result<std::string> startMaster(LocalMaster& m, int index, int count, uint16_t port, const std::string& ip,
                                const std::string& workDir, const std::string& zk) {
  m.flags.ip = ip;
  m.flags.port = port == 0 ? 0 : static_cast<uint16_t>(port + index);
  m.flags.work_dir = workDir + (count == 1 ? "/master" : "/master-" + std::to_string(index));
  m.flags.hostname = ip;
  if (!zk.empty()) {
    m.flags.zk = zk;
    m.flags.quorum = count / 2 + 1;
  }
  master::registerFlags(m.flagSet, m.flags);
  auto s = m.process.start(count == 1 ? "master" : "master-" + std::to_string(index), [&](boost::asio::io_context& io) {
    return master::Master::create(io, m.flags, &m.flagSet);
  });
  if (!s) return s.error();
  return ip + ":" + std::to_string(m.process->port());
}

// The flags of a framework daemon of the local cluster: it follows
// `master`, listens on `ip`, on `port` if given (>= 0), else on a free
// port when the masters take free ones (`clusterPort` 0), else on its
// default; its state under `workDir`.
void localDaemonFlags(frameworks::FrameworkFlags& f, const std::string& master, const std::string& ip, int port,
                      uint16_t clusterPort, const std::string& workDir) {
  f.master = master;
  f.ip = ip;
  f.port = static_cast<uint16_t>(port >= 0 ? port : clusterPort == 0 ? 0 : f.port);
  f.hostname = ip;
  f.work_dir = workDir;
}

}  // namespace

int localMain(int argc, const char* const* argv) {
  int agents = 2, masters = 1;
  uint16_t port = 5050;
  std::string workDir = "/tmp/tepui-local";
  std::string ip = "127.0.0.1";
  std::string resources, zk, isolation = "posix/cpu,posix/mem";
  bool cfs = false;
  FlagSet flags(
      "Usage: tepui local [--agents N] [--masters M] [--port P] [--work_dir DIR]\n\n"
      "Starts M masters and N agents on this machine and runs until Ctrl-C.");
  flags.add("agents", &agents, "Number of agents");
  bool withServices = true;
  int servicesPort = -1;
  flags.add("services", &withServices, "Also run the service scheduler (tepui services)");
  flags.add("services_port", &servicesPort, "Port of the service scheduler's API (default 8080; 0 with --port 0)");
  bool withJobs = true;
  int jobsPort = -1;
  flags.add("jobs", &withJobs, "Also run the job scheduler (tepui jobs)");
  flags.add("jobs_port", &jobsPort, "Port of the job scheduler's API (default 4400; 0 with --port 0)");
  flags.add("masters", &masters,
            "Number of masters; more than one elect a leader through ZooKeeper (started here unless --zk)");
  flags.add("zk", &zk, "zk://host:port[,host:port] of a running ZooKeeper for the masters (with --masters > 1)");
  flags.add("port", &port, "Port of the (first) master; the others take the next ones (0 picks free ports)");
  flags.add("ip", &ip, "IP address the masters and agents listen on");
  flags.add("work_dir", &workDir, "Directory under which the masters and every agent keep their state");
  flags.add("resources", &resources, "Resources of each agent, as for 'tepui agent --resources' (default: detected)");
  flags.add("isolation", &isolation,
            "Isolators of each agent, as for 'tepui agent --isolation' (Linux ones need root); each agent keeps its "
            "containers' cgroups under tepui-local-agent-<i>");
  flags.add("cgroups_enable_cfs", &cfs, "Hard CPU limits for each container, as for 'tepui agent'");
  if (int rc = parseFlags(flags, argc, argv, "local"); rc >= 0) return rc;
  if (agents < 0 || agents > 64) {
    std::cerr << "tepui local: --agents must be between 0 and 64\n";
    return 2;
  }
  if (masters < 1 || masters > 9) {
    std::cerr << "tepui local: --masters must be between 1 and 9\n";
    return 2;
  }
  if (!zk.empty() && zk.rfind("zk://", 0) != 0) {
    std::cerr << "tepui local: --zk must look like zk://host:port[,host:port]\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(workDir, ec);
  if (ec) {
    std::cerr << "tepui local: cannot create --work_dir '" << workDir << "': " << ec.message() << "\n";
    return 1;
  }

  std::unique_ptr<LocalZooKeeper> zookeeper;
  std::string election;  // zk://.../tepui, when the masters elect a leader
  if (masters > 1) {
    if (zk.empty()) {
      auto started = LocalZooKeeper::start(workDir + "/zookeeper");
      if (!started) {
        std::cerr << "tepui local: cannot start ZooKeeper for " << masters << " masters: " << started.error().message
                  << "\n";
        return 1;
      }
      zookeeper = std::move(*started);
      zk = zookeeper->url();
    }
    while (!zk.empty() && zk.back() == '/') zk.pop_back();
    election = zk + "/tepui";
  }

  std::vector<std::unique_ptr<LocalMaster>> runningMasters;
  std::vector<std::string> addresses;
  for (int i = 0; i < masters; ++i) {
    runningMasters.push_back(std::make_unique<LocalMaster>());
    auto address = startMaster(*runningMasters.back(), i, masters, port, ip, workDir, election);
    if (!address) {
      std::cerr << "tepui local: cannot start master " << i << ": " << address.error().message << "\n";
      runningMasters.pop_back();
      for (auto& m : runningMasters) m->process.stop();
      return 1;
    }
    addresses.push_back(*address);
  }
  const std::string masterFlag = election.empty() ? addresses.front() : election;

  std::vector<std::unique_ptr<InProcess<agent::Agent>>> running;
  InProcess<services::Services> servicesDaemon;
  InProcess<jobs::Jobs> jobsDaemon;
  auto stopAll = [&] {
    jobsDaemon.stop();
    servicesDaemon.stop();
    for (auto& a : running) a->stop();
    for (auto& m : runningMasters) m->process.stop();
  };
  for (int i = 0; i < agents; ++i) {
    auto r = std::make_unique<InProcess<agent::Agent>>();
    agent::AgentFlags agentFlags;
    agentFlags.master = masterFlag;
    agentFlags.ip = ip;
    agentFlags.port = 0;
    agentFlags.work_dir = workDir + "/agent-" + std::to_string(i);
    agentFlags.resources = resources;
    agentFlags.hostname = ip;
    agentFlags.isolation = isolation;
    agentFlags.cgroups_root = "tepui-local-agent-" + std::to_string(i);
    agentFlags.cgroups_enable_cfs = cfs;
    auto started = r->start("agent-" + std::to_string(i),
                            [&](boost::asio::io_context& io) { return agent::Agent::create(io, agentFlags); });
    if (!started) {
      std::cerr << "tepui local: cannot start agent " << i << ": " << started.error().message << "\n";
      stopAll();
      return 1;
    }
    running.push_back(std::move(r));
  }

  services::ServicesFlags servicesFlags;
  if (withServices) {
    localDaemonFlags(servicesFlags, masterFlag, ip, servicesPort, port, workDir + "/services");
    auto started = servicesDaemon.start("services", [&](boost::asio::io_context& io) {
      auto created = services::Services::create(io, servicesFlags);
      if (created) services::installScheduler(**created, io, services::SchedulerOptions{});
      return created;
    });
    if (!started) {
      std::cerr << "tepui local: cannot start the service scheduler: " << started.error().message << "\n";
      stopAll();
      return 1;
    }
  }

  jobs::JobsFlags jobsFlags;
  if (withJobs) {
    localDaemonFlags(jobsFlags, masterFlag, ip, jobsPort, port, workDir + "/jobs");
    auto started = jobsDaemon.start("jobs", [&](boost::asio::io_context& io) {
      auto created = jobs::Jobs::create(io, jobsFlags);
      if (created) jobs::attachScheduling(io, **created);
      return created;
    });
    if (!started) {
      std::cerr << "tepui local: cannot start the job scheduler: " << started.error().message << "\n";
      stopAll();
      return 1;
    }
  }

  std::cout << "Tepui local cluster is up.\n";
  if (masters == 1) {
    std::cout << "  master:  http://" << addresses.front() << "   (state: http://" << addresses.front()
              << "/master/state)\n";
  } else {
    std::cout << "  masters:";
    for (auto& a : addresses) std::cout << " http://" << a;
    std::cout << "\n  leader:  elected through " << election << " (any master's /master/redirect names it)\n";
  }
  std::cout << "  agents:  " << agents << ", work directories under " << workDir << "\n";
  if (withServices) {
    std::cout << "  services: http://" << ip << ":" << servicesDaemon->port() << "   (apps: http://" << ip << ":"
              << servicesDaemon->port() << "/v2/apps)\n";
  }
  if (withJobs) {
    std::cout << "  jobs:     http://" << ip << ":" << jobsDaemon->port() << "   (jobs: http://" << ip << ":"
              << jobsDaemon->port() << "/v1/scheduler/jobs)\n";
  }
  std::cout << "Try:\n"
            << "  tepui run --master " << masterFlag << " -- echo hello\n"
            << "  curl -sL http://" << addresses.front() << "/master/state-summary\n"
            << "Press Ctrl-C to stop." << std::endl;

  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  io.run();
  std::cout << "\nStopping the local cluster..." << std::endl;
  stopAll();
  zookeeper.reset();
  std::cout << "Stopped." << std::endl;
  return 0;
}

}  // namespace tepui::cli
