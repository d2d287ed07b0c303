// A real ZooKeeper server for tests: Debian's `zookeeper` package
// (scripts/install-deps.sh installs it), run standalone on a free loopback
// port with its data in a temporary directory. stop() kills it (SIGKILL,
// as a crash would); start() brings it back on the same port and data.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "registry/zookeeper.hpp"

namespace tepui::testing {

class ZooKeeperServer {
 public:
  static constexpr char kScript[] = "/usr/share/zookeeper/bin/zkServer.sh";

  ZooKeeperServer() {
    if (!std::filesystem::exists(kScript)) {
      throw std::runtime_error(std::string("ZooKeeper is not installed (no ") + kScript +
                               "): run scripts/install-deps.sh");
    }
    dir_ = std::filesystem::temp_directory_path() /
           ("tepui-zk-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "data");
    port_ = freePort();
    std::ofstream(dir_ / "zoo.cfg") << "tickTime=200\ninitLimit=10\nsyncLimit=5\ndataDir=" << (dir_ / "data").string()
                                    << "\nclientPort=" << port_ << "\nclientPortAddress=127.0.0.1\n"
                                    << "admin.enableServer=false\nminSessionTimeout=400\nmaxSessionTimeout=60000\n";
    start();
  }

  ~ZooKeeperServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string hosts() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string url(const std::string& path) const { return "zk://" + hosts() + path; }

  void start() {
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::setpgid(0, 0);
      int log = ::open((dir_ / "zookeeper.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(log, 1);
      ::dup2(log, 2);
      ::setenv("ZOO_LOG_DIR", dir_.c_str(), 1);
      std::string cfg = (dir_ / "zoo.cfg").string();
      ::execl(kScript, kScript, "start-foreground", cfg.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Ready once a session can be established.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (registry::ZooKeeper::connect(hosts(), std::chrono::milliseconds(1000)).ok()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("ZooKeeper did not start on " + hosts() + "; see " + (dir_ / "zookeeper.log").string());
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  static int freePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
  }

  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace tepui::testing
