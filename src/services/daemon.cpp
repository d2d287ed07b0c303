// The services daemon's flags, start and leadership terms (see daemon.hpp).
#include "services/daemon.hpp"

#include "common/ids.hpp"
#include "common/logging.hpp"

namespace tepui::services {

void registerFlags(FlagSet& flags, ServicesFlags& v) {
  frameworks::registerFrameworkFlags(flags, v, "services");
  flags.add("max_versions", &v.max_versions, "Versions kept per app (the oldest are dropped)");
  flags.add("event_stream_ring_size", &v.event_stream_ring_size,
            "Events kept for clients of /v2/events that reconnect with Last-Event-ID");
  flags.add("event_stream_max_queued_kb", &v.event_stream_max_queued_kb,
            "Unsent kilobytes after which a /v2/events client that does not keep up is dropped");
  flags.add("event_stream_keepalive", &v.event_stream_keepalive, "Time between keepalive comments on /v2/events");
  flags.add("max_concurrent_health_checks", &v.max_concurrent_health_checks,
            "Probes of the health checks the leader runs itself (apps with several HTTP/TCP checks) in flight at "
            "once; the others wait their turn");
}

namespace {

Status validate(const ServicesFlags& f) {
  if (auto s = frameworks::validateFrameworkFlags(f, "services"); !s) return s;
  if (f.max_versions < 1) return Error("--max_versions must be at least 1");
  if (f.event_stream_ring_size < 1) return Error("--event_stream_ring_size must be at least 1");
  if (f.event_stream_max_queued_kb < 1) return Error("--event_stream_max_queued_kb must be at least 1");
  if (f.max_concurrent_health_checks < 1) return Error("--max_concurrent_health_checks must be at least 1");
  if (f.event_stream_keepalive.count() <= 0) return Error("--event_stream_keepalive must be positive");
  return okStatus();
}

EventBusOptions busOptions(const ServicesFlags& f) {
  return {static_cast<size_t>(std::max(f.event_stream_ring_size, 1)),
          static_cast<size_t>(std::max(f.event_stream_max_queued_kb, 1)) * 1024, f.event_stream_keepalive};
}

// A short random token naming a leadership term in event ids.
std::string newEpoch() { return ids::uuidString().substr(0, 8); }

}  // namespace

Result<std::unique_ptr<Services>> Services::create(boost::asio::io_context& io, ServicesFlags flags, FlagSet*) {
  if (auto s = validate(flags); !s) return s.error();
  auto daemon = std::make_unique<Daemon>(io, std::move(flags));
  if (auto s = daemon->start(); !s) return s.error();
  return std::unique_ptr<Services>(std::move(daemon));
}

Daemon::Daemon(boost::asio::io_context& io, ServicesFlags flags)
    : flags_(std::move(flags)),
      runtime_(io, flags_,
               {.product = "services",
                .repository = repositoryOptions(static_cast<size_t>(flags_.max_versions)),
                .leaderOnlyPrefixes = {"/v2/"},
                .metrics = [this](metrics::Snapshot& s) { addMetrics(s); }}),
      events_(io, busOptions(flags_), newEpoch()) {
  runtime_.onLeadership([this](frameworks::Leader& leader) { started(leader); }, [this] { ended(); });
}

Daemon::~Daemon() { stop(); }

Status Daemon::start() {
  installRoutes();
  return runtime_.start();
}

void Daemon::stop() {
  runtime_.stop();
  events_.stop();
}

void Daemon::onLeadership(std::function<void(Leader&)> started, std::function<void()> ended) {
  started_ = std::move(started);
  ended_ = std::move(ended);
  if (leader_ && started_) started_(*leader_);
}

void Daemon::started(frameworks::Leader& leader) {
  events_.reset(newEpoch());
  leader_.emplace(Leader{leader.repository, events_, leader.framework, flags_, health_});
  TLOG(INFO) << "Leading with " << leader.repository.all(kApps).size() << " app(s)";
  if (started_) started_(*leader_);
}

void Daemon::ended() {
  if (ended_) ended_();
  leader_.reset();
  events_.reset(newEpoch());
}

}  // namespace tepui::services
