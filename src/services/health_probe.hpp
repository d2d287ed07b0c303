// One probe of a health check the services scheduler runs itself, over the
// network from the services leader to the instance's host, on the daemon's
// event loop (nothing blocks it: names are resolved asynchronously).
//
//   HTTP  GET http://<host>:<port><path> on a fresh connection (closed
//         after); 200-399 passes, a 1xx is ignored with ignoreHttp1xx
//         (and fails otherwise), anything else fails.
//   TCP   a connect to <host>:<port>; connecting passes.
//
// A probe that takes longer than its timeout fails ("timed out after 2 s").
// `done` runs exactly once, never inside probe(), unless the NetworkProbe
// is destroyed first (then never). ipProtocol is not looked at: Marathon
// applies it to the checks the agent runs only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/client.hpp"
#include "services/health_policy.hpp"

namespace tepui::services {

struct ProbeTarget {
  std::string protocol;  // "HTTP" or "TCP"
  std::string host;
  uint16_t port = 0;
  std::string path = "/";  // HTTP
  bool ignoreHttp1xx = false;
  double timeoutSeconds = 20;
};

using ProbeDone = std::function<void(ProbeOutcome)>;

// "GET http://host:80/path", "connect to host:80": what a probe does, for
// messages.
std::string describeProbe(const ProbeTarget& target);
// What an HTTP answer with `status` means for `target`.
ProbeOutcome judgeHttpStatus(const ProbeTarget& target, int status);

class NetworkProbe {
 public:
  explicit NetworkProbe(boost::asio::io_context& io);
  ~NetworkProbe();  // pending probes end without their callbacks
  NetworkProbe(const NetworkProbe&) = delete;
  NetworkProbe& operator=(const NetworkProbe&) = delete;

  void probe(const ProbeTarget& target, ProbeDone done);

 private:
  void probeHttp(const ProbeTarget& target, ProbeDone done);
  void probeTcp(const ProbeTarget& target, ProbeDone done);

  boost::asio::io_context& io_;
  http::Client client_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tepui::services
