// A ZooKeeper server for `tepui local --masters N`: Debian's `zookeeper`
// package, run as a child process on a free loopback port with its data
// and log under a directory of the local cluster's work dir.
//
// Contract: start() returns once the server accepts connections (or an
// error saying what is missing: the package, a port, a server that exited);
// url() names it as zk://127.0.0.1:PORT; the destructor stops the server
// (SIGTERM to its process group, SIGKILL after a grace period).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "common/result.hpp"

namespace tepui::cli {

class LocalZooKeeper {
 public:
  static Result<std::unique_ptr<LocalZooKeeper>> start(const std::string& dir);
  ~LocalZooKeeper();
  LocalZooKeeper(const LocalZooKeeper&) = delete;
  LocalZooKeeper& operator=(const LocalZooKeeper&) = delete;

  std::string url() const { return "zk://127.0.0.1:" + std::to_string(port_); }

 private:
  LocalZooKeeper() = default;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace tepui::cli
