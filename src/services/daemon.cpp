// The services daemon's flags, start and leadership terms (see daemon.hpp).
#include "services/daemon.hpp"

#include <pwd.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/logging.hpp"
#include "registry/zookeeper.hpp"

namespace tepui::services {

void registerFlags(FlagSet& flags, ServicesFlags& v) {
  flags.add("master", &v.master, "The master: host:port, or zk://host:port[,host:port]/path of elected masters");
  flags.add("zk", &v.zk,
            "ZooKeeper URL (zk://host:port[,host:port]/path) for this daemon's state and its leader election among "
            "several instances; without it, one instance keeps its state under --work_dir");
  flags.add("work_dir", &v.work_dir, "Directory of the state without --zk (services.db)");
  flags.add("ip", &v.ip, "IP address to listen on");
  flags.add("port", &v.port, "Port to listen on (0 picks a free port)");
  flags.add("hostname", &v.hostname, "Host name to advertise (default: this machine's host name)");
  flags.add("framework_name", &v.framework_name, "Name of the framework registered with the master");
  flags.add("role", &v.role, "Role the framework's resources are offered to");
  flags.add("user", &v.user, "User tasks run as unless an app names one (default: the user running this daemon)");
  flags.add("failover_timeout", &v.failover_timeout,
            "How long the master keeps the framework's tasks running after losing this daemon");
  flags.add("zk_session_timeout", &v.zk_session_timeout, "ZooKeeper session timeout");
  flags.add("max_versions", &v.max_versions, "Versions kept per app (the oldest are dropped)");
  flags.add("event_stream_ring_size", &v.event_stream_ring_size,
            "Events kept for clients of /v2/events that reconnect with Last-Event-ID");
  flags.add("event_stream_max_queued_kb", &v.event_stream_max_queued_kb,
            "Unsent kilobytes after which a /v2/events client that does not keep up is dropped");
  flags.add("event_stream_keepalive", &v.event_stream_keepalive, "Time between keepalive comments on /v2/events");
}

namespace {

std::string machineHostname() {
  char buf[256] = {};
  return gethostname(buf, sizeof buf - 1) == 0 ? buf : "localhost";
}

std::string currentUser() {
  passwd* p = getpwuid(geteuid());
  return p ? p->pw_name : "root";
}

Status validate(const ServicesFlags& f) {
  if (f.zk.empty() && f.work_dir.empty()) {
    return Error("either --zk or --work_dir is required: the services state must survive a restart");
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
  if (f.max_versions < 1) return Error("--max_versions must be at least 1");
  if (f.event_stream_ring_size < 1) return Error("--event_stream_ring_size must be at least 1");
  if (f.event_stream_max_queued_kb < 1) return Error("--event_stream_max_queued_kb must be at least 1");
  if (f.event_stream_keepalive.count() <= 0) return Error("--event_stream_keepalive must be positive");
  if (f.framework_name.empty()) return Error("--framework_name must not be empty");
  if (f.role.empty()) return Error("--role must not be empty");
  return okStatus();
}

EventBusOptions busOptions(const ServicesFlags& f) {
  return {static_cast<size_t>(std::max(f.event_stream_ring_size, 1)),
          static_cast<size_t>(std::max(f.event_stream_max_queued_kb, 1)) * 1024, f.event_stream_keepalive};
}

// A short random token naming a leadership term in event ids.
std::string newEpoch() { return ids::uuidString().substr(0, 8); }

}  // namespace

Result<std::unique_ptr<Services>> Services::create(boost::asio::io_context& io, ServicesFlags flags, FlagSet* flagSet) {
  if (auto s = validate(flags); !s) return s.error();
  auto daemon = std::make_unique<Daemon>(io, std::move(flags), flagSet);
  if (auto s = daemon->start(); !s) return s.error();
  return std::unique_ptr<Services>(std::move(daemon));
}

Daemon::Daemon(boost::asio::io_context& io, ServicesFlags flags, FlagSet* flagSet)
    : io_(io), flags_(std::move(flags)), flagSet_(flagSet), server_(io), events_(io, busOptions(flags_), newEpoch()) {
  if (flags_.hostname.empty()) flags_.hostname = machineHostname();
  if (flags_.user.empty()) flags_.user = currentUser();
}

Daemon::~Daemon() { stop(); }

Status Daemon::start() {
  startTime_ = clock::wallSeconds();
  installRoutes();
  if (auto s = server_.listen(flags_.ip, flags_.port); !s) return s.error();
  std::string advertised = flags_.ip == "0.0.0.0" ? flags_.hostname : flags_.ip;
  LeaderAddress self{flags_.hostname, {advertised, server_.port()}};
  leadership_ = std::make_unique<Leadership>(
      io_, flags_.zk, flags_.zk_session_timeout, self,
      Leadership::Callbacks{[this] { elected(); }, [this](const std::string& why) { stopLeading(why); }});
  if (auto s = leadership_->start(); !s) return s;
  TLOG(INFO) << "tepui services listening on " << flags_.ip << ":" << server_.port()
             << (flags_.zk.empty() ? "" : "; contending for leadership at " + flags_.zk);
  return okStatus();
}

void Daemon::stop() {
  if (stopped_) return;
  stopLeading("stopping");
  stopped_ = true;
  if (leadership_) leadership_->stop();
  if (loader_.joinable()) loader_.join();
  events_.stop();
  server_.stop();
}

void Daemon::route(const std::string& path, http::Handler handler) { server_.route(path, leaderOnly(handler)); }

void Daemon::routePrefix(const std::string& prefix, http::Handler handler) {
  server_.routePrefix(prefix, leaderOnly(handler));
}

void Daemon::onLeadership(std::function<void(Leader&)> started, std::function<void()> ended) {
  started_ = std::move(started);
  ended_ = std::move(ended);
  if (leader_ && started_) started_(*leader_);
}

Result<std::unique_ptr<registry::Store>> Daemon::openStore() const {
  if (!flags_.zk.empty()) {
    return registry::openZooKeeperStore(
        flags_.zk, std::chrono::milliseconds(static_cast<int64_t>(flags_.zk_session_timeout.count() * 1000)));
  }
  return registry::openEmbeddedStore(flags_.work_dir + "/services.db");
}

void Daemon::elected() {
  if (stopped_ || state_ != State::kFollowing) return;
  state_ = State::kLoading;
  uint64_t term = ++term_;
  TLOG(INFO) << "Elected; loading the services state";
  if (loader_.joinable()) loader_.join();
  // The store's reads block (ZooKeeper round trips): off the loop.
  loader_ = std::thread([this, term, alive = std::weak_ptr<bool>(alive_)] {
    auto store = openStore();
    Result<std::unique_ptr<Repository>> repository =
        store ? Repository::load(io_, std::move(*store), {static_cast<size_t>(flags_.max_versions)})
              : Result<std::unique_ptr<Repository>>(store.error().context("cannot open the services state"));
    auto result = std::make_shared<decltype(repository)>(std::move(repository));
    boost::asio::post(io_, [this, term, alive, result] {
      if (alive.lock()) loaded(std::move(*result), term);
    });
  });
}

void Daemon::loaded(Result<std::unique_ptr<Repository>> repository, uint64_t term) {
  if (stopped_ || term != term_ || state_ != State::kLoading) return;  // this term ended meanwhile
  if (!repository) return giveUp(repository.error().message);
  repository_ = std::move(*repository);
  repository_->onFailure([this, alive = std::weak_ptr<bool>(alive_), term](const std::string& why) {
    // Not from inside the repository's own callback: giving up destroys it.
    boost::asio::post(io_, [this, alive, term, why] {
      if (alive.lock() && term == term_ && state_ != State::kFollowing) giveUp("a state write failed: " + why);
    });
  });
  // The fence first: from now on a stale leader's writes fail.
  repository_->claim([this, term](const Status& s) {
    if (s && term == term_ && state_ == State::kLoading) lead();
  });
}

void Daemon::giveUp(const std::string& why) {
  stopLeading(why);
  if (leadership_->highlyAvailable()) return leadership_->abdicate();
  // Alone, there is no one else to lead: load what the store holds again
  // shortly.
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::seconds(2));
  timer->async_wait([this, timer, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
    if (!ec && alive.lock() && !stopped_) elected();
  });
}

void Daemon::lead() {
  events_.reset(newEpoch());
  link_ = std::make_unique<FrameworkLink>(io_, linkOptions(), repository_->frameworkId());
  link_->callbacks().persistFrameworkId = [this](const std::string& id, std::function<void(const Status&)> durable) {
    Repository::Change change;
    change.setFrameworkId(id);
    repository_->commit(std::move(change), std::move(durable));
  };
  link_->callbacks().onError = [](const std::string& why) { TLOG(ERROR) << "The framework cannot go on: " << why; };
  state_ = State::kLeading;
  leader_.emplace(Leader{*repository_, events_, *link_});
  TLOG(INFO) << "Leading with " << repository_->appIds().size() << " app(s), framework id '"
             << repository_->frameworkId() << "'";
  if (started_) started_(*leader_);
  if (auto s = link_->start(); !s) TLOG(ERROR) << s.error().message;
}

void Daemon::stopLeading(const std::string& why) {
  if (state_ == State::kFollowing) return;
  bool wasLeading = state_ == State::kLeading;
  state_ = State::kFollowing;
  ++term_;  // a load still running belongs to an ended term
  ++termsEnded_;
  TLOG(WARNING) << "Not leading any more: " << why;
  if (wasLeading) {
    if (ended_) ended_();
    linkTotals_ += link_->counters();
    leader_.reset();
    link_.reset();
    events_.reset(newEpoch());
  }
  if (repository_) commits_ += repository_->commits();
  repository_.reset();  // (waits for a write in progress)
}

FrameworkLinkOptions Daemon::linkOptions() const {
  FrameworkLinkOptions options;
  options.master = flags_.master;
  options.zkSessionTimeout = flags_.zk_session_timeout;
  v1::FrameworkInfo& info = options.info;
  info.set_name(flags_.framework_name);
  info.set_user(flags_.user);
  info.set_role(flags_.role);
  info.set_failover_timeout(flags_.failover_timeout.count());
  info.set_hostname(flags_.hostname);
  std::string advertised = flags_.ip == "0.0.0.0" ? flags_.hostname : flags_.ip;
  info.set_webui_url("http://" + advertised + ":" + std::to_string(server_.port()));
  return options;
}

}  // namespace tepui::services
