// `tepui services`: the Marathon-compatible service scheduler daemon's
// runtime, on the framework daemons' shared one (frameworks/daemon.hpp).
// One event loop (the io_context given to create(), run by one
// thread) serves HTTP, leads or follows, holds the durable state while
// leading, publishes events and speaks to the master as a v1 framework.
//
// What it serves itself: /ping, /metrics, /v2/info, /v2/leader (GET, and
// DELETE to abdicate) and /v2/events. The rest of the API (apps, groups,
// deployments, tasks, queue) registers its handlers with route() and
// routePrefix(); those, /v2/events and every other /v2/... path are served
// by the leader only: another instance answers 307 with the leader's
// Location, or 503 with a JSON message while none leads (or while this
// one, just elected, loads its state).
//
// The scheduling logic plugs in through onLeadership(): `started` runs
// when this instance leads and its state is loaded, before the framework
// subscribes (so that it can set the link's callbacks); `ended` runs when
// it stops leading, before the state is dropped.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "common/duration.hpp"
#include "common/flags.hpp"
#include "common/result.hpp"
#include "frameworks/flags.hpp"
#include "http/server.hpp"

namespace tepui::frameworks {
class Repository;
class FrameworkLink;
}  // namespace tepui::frameworks

namespace tepui::services {

using frameworks::FrameworkLink;
using frameworks::Repository;
class EventBus;
struct HealthProbeCounters;

// The shared flags (frameworks/flags.hpp: --master, --zk, --work_dir,
// --port 8080, --framework_name tepui-services...) and these.
struct ServicesFlags : frameworks::FrameworkFlags {
  ServicesFlags() : FrameworkFlags(8080, "tepui-services") {}
  int max_versions = 50;
  int event_stream_ring_size = 1000;
  int event_stream_max_queued_kb = 4096;
  Seconds event_stream_keepalive{15.0};
  // Probes of the health checks the leader runs itself in flight at once
  // (Marathon's --max_concurrent_marathon_health_checks).
  int max_concurrent_health_checks = 256;
};

void registerFlags(FlagSet& flags, ServicesFlags& values);

// What the leader has; valid from `started` to `ended`.
struct Leader {
  Repository& repository;
  EventBus& events;
  FrameworkLink& framework;
  const ServicesFlags& flags;
  HealthProbeCounters& health;  // the health prober's, for /metrics
};

class Services {
 public:
  virtual ~Services() = default;
  // Checks the flags, binds the HTTP port (0 picks a free one) and starts
  // contending (or, without --zk, leading).
  static Result<std::unique_ptr<Services>> create(boost::asio::io_context& io, ServicesFlags flags,
                                                  FlagSet* flagSet = nullptr);
  virtual uint16_t port() const = 0;
  // Stops leading, closes every connection and timer; the loop can then run
  // out.
  virtual void stop() = 0;
  virtual bool leading() const = 0;

  virtual void route(const std::string& path, http::Handler handler) = 0;
  virtual void routePrefix(const std::string& prefix, http::Handler handler) = 0;
  // Set before the loop runs (if set while leading, `started` runs at once).
  virtual void onLeadership(std::function<void(Leader&)> started, std::function<void()> ended) = 0;
};

}  // namespace tepui::services
