// A ZooKeeper server for `tepui local`; see local_zookeeper.hpp.
#include "cli/local_zookeeper.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/unique_fd.hpp"
#include "containerizer/process.hpp"

namespace tepui::cli {

namespace {

constexpr char kServerScript[] = "/usr/share/zookeeper/bin/zkServer.sh";

sockaddr_in loopback(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  return address;
}

Result<uint16_t> freePort() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof(address);
  if (fd.get() < 0 || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return Error("cannot find a free port for ZooKeeper");
  }
  return ntohs(address.sin_port);
}

bool accepting(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in address = loopback(port);
  return fd.get() >= 0 && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
}

}  // namespace

Result<std::unique_ptr<LocalZooKeeper>> LocalZooKeeper::start(const std::string& dir) {
  if (!std::filesystem::exists(kServerScript)) {
    return Error(std::string("ZooKeeper is not installed (no ") + kServerScript +
                 "): apt-get install zookeeper, or pass --zk=zk://host:port of a running one");
  }
  auto port = freePort();
  if (!port) return port.error();
  std::error_code ec;
  std::filesystem::create_directories(dir + "/data", ec);
  if (ec) return Error("cannot create '" + dir + "': " + ec.message());
  {
    std::ofstream config(dir + "/zoo.cfg");
    config << "tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir=" << dir << "/data\nclientPort=" << *port
           << "\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n";
    if (!config) return Error("cannot write '" + dir + "/zoo.cfg'");
  }
  containerizer::SpawnSpec spec;
  spec.argv = {kServerScript, "start-foreground", dir + "/zoo.cfg"};
  spec.environment = containerizer::inheritedEnvironment();
  spec.environment["ZOO_LOG_DIR"] = dir;
  spec.stdoutPath = spec.stderrPath = dir + "/zookeeper.log";
  spec.dieWithParent = true;
  auto pid = containerizer::spawn(spec);
  if (!pid) return pid.error().context("cannot start ZooKeeper");
  std::unique_ptr<LocalZooKeeper> zk(new LocalZooKeeper());
  zk->pid_ = *pid;
  zk->port_ = *port;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!accepting(*port)) {
    int status = 0;
    if (::waitpid(*pid, &status, WNOHANG) == *pid) {
      zk->pid_ = -1;
      return Error("ZooKeeper " + containerizer::describeWaitStatus(status) + "; see " + dir + "/zookeeper.log");
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Error("ZooKeeper did not listen on port " + std::to_string(*port) + " within 60s; see " + dir +
                   "/zookeeper.log");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return zk;
}

LocalZooKeeper::~LocalZooKeeper() {
  if (pid_ > 0) containerizer::terminateAll({pid_}, std::chrono::seconds(5));
}

}  // namespace tepui::cli
