// The services daemon behind services.hpp: the framework daemons' runtime
// (frameworks::Daemon: terms, leader-only paths, /ping, /metrics) with what
// tepui services adds: its flags and state layout (daemon.cpp), the event
// stream with an epoch per term, /v2/info, /v2/leader and its metrics
// (daemon_api.cpp), with the health prober's counters.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "frameworks/daemon.hpp"
#include "services/event_bus.hpp"
#include "services/health_prober.hpp"
#include "services/services.hpp"
#include "services/state.hpp"

namespace tepui::services {

class Daemon final : public Services {
 public:
  Daemon(boost::asio::io_context& io, ServicesFlags flags);
  ~Daemon() override;

  Status start();
  uint16_t port() const override { return runtime_.port(); }
  void stop() override;
  bool leading() const override { return runtime_.leading(); }
  void route(const std::string& path, http::Handler handler) override { runtime_.route(path, std::move(handler)); }
  void routePrefix(const std::string& prefix, http::Handler handler) override {
    runtime_.routePrefix(prefix, std::move(handler));
  }
  void onLeadership(std::function<void(Leader&)> started, std::function<void()> ended) override;

 private:
  // daemon.cpp: a term's start and end, as this daemon sees them.
  void started(frameworks::Leader& leader);
  void ended();

  // daemon_api.cpp: the endpoints and metrics of tepui services.
  void installRoutes();
  void serveLeader(http::Request& request, http::Responder responder);
  std::string infoJson() const;
  void addMetrics(metrics::Snapshot& s) const;

  ServicesFlags flags_;
  frameworks::Daemon runtime_;
  EventBus events_;
  HealthProbeCounters health_;
  std::optional<Leader> leader_;
  std::function<void(Leader&)> started_;
  std::function<void()> ended_;
};

}  // namespace tepui::services
