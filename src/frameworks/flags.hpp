// The flags every framework daemon (tepui services, tepui jobs) takes:
// where the master is, where the state and the election are, where to
// listen and what to register with the master as. A daemon's own flags
// struct derives from FrameworkFlags and sets its defaults (port,
// framework name) in its constructor; registerFrameworkFlags() adds these
// to a FlagSet once, before the daemon's own.
#pragma once

#include <cstdint>
#include <string>

#include "common/duration.hpp"
#include "common/flags.hpp"
#include "common/result.hpp"

namespace tepui::frameworks {

struct FrameworkFlags {
  FrameworkFlags(uint16_t defaultPort, std::string defaultFrameworkName)
      : port(defaultPort), framework_name(std::move(defaultFrameworkName)) {}

  std::string master = "127.0.0.1:5050";  // host:port or zk://host:port[,host:port]/path
  // zk://host:port[,host:port]/path: the state and the election there.
  // Empty: a lone instance with the embedded store under --work_dir.
  std::string zk;
  std::string work_dir;
  std::string ip = "0.0.0.0";
  uint16_t port;
  std::string hostname;  // default: the machine's host name
  std::string framework_name;
  std::string role = "*";
  std::string user;  // tasks' default user; default: the user running the daemon
  Seconds failover_timeout{7 * 86400.0};
  Seconds zk_session_timeout{10.0};
};

// `product` names the daemon in the descriptions ("services": the embedded
// store is <work_dir>/services.db).
void registerFrameworkFlags(FlagSet& flags, FrameworkFlags& values, const std::string& product);

// The first flag that is wrong, named in the error.
Status validateFrameworkFlags(const FrameworkFlags& flags, const std::string& product);

}  // namespace tepui::frameworks
