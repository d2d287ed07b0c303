// The framework daemons' shared flags (see flags.hpp).
#include "frameworks/flags.hpp"

#include "http/message.hpp"
#include "registry/zookeeper.hpp"

namespace tepui::frameworks {

void registerFrameworkFlags(FlagSet& flags, FrameworkFlags& v, const std::string& product) {
  flags.add("master", &v.master, "The master: host:port, or zk://host:port[,host:port]/path of elected masters");
  flags.add("zk", &v.zk,
            "ZooKeeper URL (zk://host:port[,host:port]/path) for this daemon's state and its leader election among "
            "several instances; without it, one instance keeps its state under --work_dir");
  flags.add("work_dir", &v.work_dir, "Directory of the state without --zk (" + product + ".db)");
  flags.add("ip", &v.ip, "IP address to listen on");
  flags.add("port", &v.port, "Port to listen on (0 picks a free port)");
  flags.add("hostname", &v.hostname, "Host name to advertise (default: this machine's host name)");
  flags.add("framework_name", &v.framework_name, "Name of the framework registered with the master");
  flags.add("role", &v.role, "Role the framework's resources are offered to");
  flags.add("user", &v.user,
            "User the framework's tasks run as unless they name one (default: the user running this daemon)");
  flags.add("failover_timeout", &v.failover_timeout,
            "How long the master keeps the framework's tasks running after losing this daemon");
  flags.add("zk_session_timeout", &v.zk_session_timeout, "ZooKeeper session timeout");
}

Status validateFrameworkFlags(const FrameworkFlags& f, const std::string& product) {
  if (f.zk.empty() && f.work_dir.empty()) {
    return Error("either --zk or --work_dir is required: the " + product + " state must survive a restart");
  }
  if (!f.zk.empty()) {
    if (auto url = registry::parseZooKeeperUrl(f.zk); !url) return url.error().context("invalid --zk");
  }
  if (f.master.rfind("zk://", 0) == 0) {
    if (auto url = registry::parseZooKeeperUrl(f.master); !url) return url.error().context("invalid --master");
  } else if (!http::parseEndpoint(f.master)) {
    return Error("invalid --master '" + f.master + "': expected host:port or zk://host:port[,host:port]/path");
  }
  if (f.zk_session_timeout.count() <= 0) return Error("--zk_session_timeout must be positive");
  if (f.failover_timeout.count() < 0) return Error("--failover_timeout must not be negative");
  if (f.framework_name.empty()) return Error("--framework_name must not be empty");
  if (f.role.empty()) return Error("--role must not be empty");
  return okStatus();
}

}  // namespace tepui::frameworks
