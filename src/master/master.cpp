// The master's construction, HTTP routes, allocation scheduling and
// shutdown. The other concerns live in the files listed in master_impl.hpp.
#include <arpa/inet.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <random>
#include <sstream>
#include <type_traits>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/logging.hpp"
#include "common/strings.hpp"
#include "http/prometheus.hpp"
#include "http/recordio.hpp"
#include "master/master_impl.hpp"
#include "master/webui.hpp"

namespace tepui::master {

void registerFlags(FlagSet& flags, MasterFlags& v) {
  flags.add("ip", &v.ip, "IP address to listen on");
  flags.add("port", &v.port, "Port to listen on (0 picks a free port)");
  flags.add("hostname", &v.hostname, "Host name to advertise (default: this machine's host name)");
  flags.add("work_dir", &v.work_dir, "Directory for the master's durable state (weights, quotas); none: in memory");
  flags.add("allocation_interval", &v.allocation_interval,
            "Time between periodic allocation cycles (cycles also run when resources change)");
  flags.add("offer_timeout", &v.offer_timeout, "Time after which an unanswered offer is rescinded (default: never)");
  flags.add("agent_ping_timeout", &v.agent_ping_timeout, "Time between pings of each agent");
  flags.add("zk", &v.zk,
            "ZooKeeper URL (zk://host:port[,host:port]/path): contend for leadership there and keep the registry "
            "in ZooKeeper");
  flags.add("quorum", &v.quorum, "With --zk: the number of masters (accepted as Mesos takes it; at least 1)");
  flags.add("zk_session_timeout", &v.zk_session_timeout, "ZooKeeper session timeout");
  flags.add("agent_reregister_timeout", &v.agent_reregister_timeout,
            "After a restart, time an agent the registry admitted has to register again before it is marked "
            "unreachable");
  flags.add("registry_max_agent_age", &v.registry_max_agent_age,
            "How long the registry remembers an unreachable or gone agent");
  flags.add("registry_max_agent_count", &v.registry_max_agent_count,
            "How many unreachable (and how many gone) agents the registry remembers at most");
  flags.add("registry_gc_interval", &v.registry_gc_interval,
            "How often the registry forgets the unreachable and gone agents past those limits");
  flags.add("max_agent_ping_timeouts", &v.max_agent_ping_timeouts,
            "Missed pings after which an agent is marked unreachable");
  flags.add("min_allocatable_resources", &v.min_allocatable_resources,
            "Smallest offer worth making: '|'-separated alternatives of ';'-separated quantities");
  flags.add("weights", &v.weights, "Role weights for fair sharing: role=weight,role=weight");
  flags.add("fair_sharing_excluded_resource_names", &v.fair_sharing_excluded_resource_names,
            "Comma-separated resource names left out of fair-share computations");
  flags.add("max_operator_event_stream_subscribers", &v.max_operator_event_stream_subscribers,
            "Clients of the operator API's SUBSCRIBE stream at once; beyond it the oldest is dropped");
  flags.add("max_completed_frameworks", &v.max_completed_frameworks,
            "Completed frameworks kept for the state endpoints");
  flags.add("max_completed_tasks_per_framework", &v.max_completed_tasks_per_framework,
            "Completed tasks kept per framework");
  flags.add("max_unreachable_tasks_per_framework", &v.max_unreachable_tasks_per_framework,
            "Unreachable tasks kept per framework");
  flags.add("cluster", &v.cluster, "A name for the cluster, shown in the state endpoints");
}

namespace {

Result<allocator::Options> allocatorOptions(const MasterFlags& flags) {
  allocator::Options options;
  options.minAllocatable.clear();
  for (auto& alternative : splitNonEmpty(flags.min_allocatable_resources, '|')) {
    std::map<std::string, double> quantities;
    for (auto& item : splitNonEmpty(alternative, ';')) {
      auto colon = item.find(':');
      char* end = nullptr;
      double value = colon == std::string::npos ? 0 : std::strtod(item.c_str() + colon + 1, &end);
      if (colon == std::string::npos || end == item.c_str() + colon + 1 || *end != '\0' || value < 0) {
        return Error("invalid --min_allocatable_resources entry '" + item + "': expected name:quantity");
      }
      quantities[item.substr(0, colon)] = value;
    }
    if (!quantities.empty()) options.minAllocatable.push_back(quantities);
  }
  for (auto& item : splitNonEmpty(flags.weights, ',')) {
    auto eq = item.find('=');
    char* end = nullptr;
    double w = eq == std::string::npos ? 0 : std::strtod(item.c_str() + eq + 1, &end);
    if (eq == std::string::npos || *end != '\0' || w <= 0) {
      return Error("invalid --weights entry '" + item + "': expected role=positive number");
    }
    options.weights[item.substr(0, eq)] = w;
  }
  for (auto& name : splitNonEmpty(flags.fair_sharing_excluded_resource_names, ','))
    options.fairSharingExcluded.insert(name);
  options.seed = std::random_device{}();
  return options;
}

std::string machineHostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

}  // namespace

void EventStream::send(const google::protobuf::Message& event) {
  if (!open()) return;
  stream->write(http::recordio::encode(codec::encode(event, type)));
}

void EventStream::close() {
  if (stream) stream->close();
  stream.reset();
}

bool Framework::hasCapability(v1::FrameworkInfo::Capability::Type type) const {
  for (auto& c : info.capabilities()) {
    if (c.type() == type) return true;
  }
  return false;
}

Result<std::unique_ptr<Master>> Master::create(boost::asio::io_context& io, MasterFlags flags, FlagSet* flagSet) {
  auto master = std::make_unique<MasterImpl>(io, std::move(flags), flagSet);
  if (auto s = master->start(); !s) return s.error();
  return std::unique_ptr<Master>(std::move(master));
}

MasterImpl::MasterImpl(boost::asio::io_context& io, MasterFlags flags, FlagSet* flagSet)
    : io_(io),
      flags_(std::move(flags)),
      flagSet_(flagSet),
      server_(io),
      reregisterDeadline_(io),
      registryGc_(io),
      allocationTick_(io),
      operatorHeartbeat_(io) {}

MasterImpl::~MasterImpl() {
  stop();
  *alive_ = false;
  if (recoveryThread_.joinable()) recoveryThread_.join();
}

Status MasterImpl::start() {
  auto options = allocatorOptions(flags_);
  if (!options) return options.error();
  allocator_ = allocator::createHierarchicalDRF(*options);
  if (!flags_.zk.empty()) {
    if (auto url = registry::parseZooKeeperUrl(flags_.zk); !url) return url.error().context("invalid --zk");
    if (flags_.quorum < 1) return Error("--quorum must be at least 1 with --zk");
    if (flags_.zk_session_timeout.count() <= 0) return Error("--zk_session_timeout must be positive");
    leading_ = false;
  } else if (!flags_.work_dir.empty()) {
    auto store = registry::openEmbeddedStore(flags_.work_dir + "/registry.db");
    if (!store) return store.error().context("cannot open the registry");
    auto recovered = readRegistry(**store);
    if (!recovered) return recovered.error();
    adoptRegistry(std::move(*store), std::move(*recovered));
  } else {
    TLOG(WARNING) << "Neither --work_dir nor --zk: this master's state will not survive a restart";
  }
  if (flags_.hostname.empty()) flags_.hostname = machineHostname();
  if (flags_.agent_ping_timeout.count() <= 0) return Error("--agent_ping_timeout must be positive");
  if (flags_.max_agent_ping_timeouts < 1) return Error("--max_agent_ping_timeouts must be at least 1");
  if (flags_.agent_reregister_timeout.count() <= 0) return Error("--agent_reregister_timeout must be positive");
  if (flags_.allocation_interval.count() <= 0) return Error("--allocation_interval must be positive");
  if (flags_.registry_gc_interval.count() <= 0) return Error("--registry_gc_interval must be positive");
  if (flags_.registry_max_agent_age.count() <= 0) return Error("--registry_max_agent_age must be positive");
  if (flags_.registry_max_agent_count < 0) return Error("--registry_max_agent_count must not be negative");

  masterId_ = ids::uuidString();
  startTime_ = clock::wallSeconds();
  electedTime_ = flags_.zk.empty() ? startTime_ : 0;
  installRoutes();
  if (auto s = server_.listen(flags_.ip, flags_.port); !s) return s.error();
  TLOG(INFO) << "Master " << masterId_ << " listening on " << flags_.ip << ":" << server_.port();
  scheduleAllocationTick();
  if (!flags_.zk.empty()) return startContending();
  startReregisterDeadline();
  return okStatus();
}

void MasterImpl::startReregisterDeadline() {
  scheduleRegistryGc();
  if (recoveredAgents_.empty()) return;
  reregisterDeadline_.expires_after(clock::seconds(flags_.agent_reregister_timeout.count()));
  reregisterDeadline_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) expireRecoveredAgents();
  });
}

void MasterImpl::stop() {
  if (stopped_) return;
  stopped_ = true;
  allocationTick_.cancel();
  reregisterDeadline_.cancel();
  registryGc_.cancel();
  contender_.reset();  // leaves the election at once
  detector_.reset();
  for (auto& [id, f] : frameworks_) {
    if (f.heartbeat) f.heartbeat->cancel();
    if (f.failover) f.failover->cancel();
    f.events.close();
  }
  for (auto& [id, a] : agents_) {
    if (a.ping) a.ping->cancel();
    a.events.close();
  }
  for (auto& [id, o] : offers_) {
    if (o.expiry) o.expiry->cancel();
  }
  for (HeldCall& held : heldCalls_) {
    held.responder.respond(http::Response::text(503, "This master is stopping\n"));
  }
  heldCalls_.clear();
  operatorHeartbeat_.cancel();
  for (auto& subscriber : operatorSubscribers_) subscriber.events.close();
  operatorSubscribers_.clear();
  for (auto& [key, queue] : snapshots_) {
    for (auto* list : {&queue.waiting, &queue.encodingFor}) {
      for (auto& r : *list) r.respond(http::Response::text(503, "This master is stopping\n"));
      list->clear();
    }
  }
  server_.stop();
}

void MasterImpl::installRoutes() {
  // Handlers of what only the leader serves: a follower redirects, and the
  // elected master holds them until it has recovered.
  auto leaderOnly = [this](http::Handler handler) {
    return [this, handler = std::move(handler)](http::Request& r, http::Responder p) {
      if (electedNotServing()) return holdUntilRecovered({handler, std::move(r), std::move(p)});
      if (!redirectToLeader(r, p)) handler(r, std::move(p));
    };
  };
  server_.route("/api/v1/scheduler",
                leaderOnly([this](http::Request& r, http::Responder p) { handleScheduler(r, std::move(p)); }));
  server_.route("/api/v1",
                leaderOnly([this](http::Request& r, http::Responder p) { handleOperator(r, std::move(p)); }));
  server_.route("/internal/agent",
                leaderOnly([this](http::Request& r, http::Responder p) { handleAgent(r, std::move(p)); }));

  // A GET endpoint whose body is body(), or body(query) for those that
  // read their query parameters and may refuse them (400).
  auto local = [](auto body) {
    return [body = std::move(body)](http::Request& r, http::Responder p) {
      if (r.method != "GET" && r.method != "HEAD") {
        return p.respond(http::Response::methodNotAllowed("GET", r.method));
      }
      Result<std::string> text = [&]() -> Result<std::string> {
        if constexpr (std::is_invocable_v<decltype(body)&, const Query&>)
          return body(r.query);
        else
          return body();
      }();
      if (!text) return p.respond(http::Response::text(400, text.error().message + "\n"));
      // JSONP, as the legacy endpoints offer it.
      if (auto cb = r.query.find("jsonp"); cb != r.query.end()) {
        auto response = http::Response::text(200, cb->second + "(" + *text + ");");
        response.headers["Content-Type"] = "text/javascript";
        p.respond(std::move(response));
        return;
      }
      p.respond(http::Response::json(200, std::move(*text)));
    };
  };
  auto get = [&](auto body) { return leaderOnly(local(std::move(body))); };
  for (const char* path : {"/master/state", "/state", "/master/state.json", "/state.json"}) {
    server_.route(path, get([this] { return stateJson(); }));
  }
  for (const char* path : {"/master/state-summary", "/state-summary"}) {
    server_.route(path, get([this] { return stateSummaryJson(); }));
  }
  for (const char* path : {"/master/frameworks", "/frameworks"}) {
    server_.route(path, get([this](const Query& q) { return frameworksJson(q); }));
  }
  for (const char* path : {"/master/slaves", "/slaves"}) {
    server_.route(path, get([this](const Query& q) { return slavesJson(q); }));
  }
  for (const char* path : {"/master/tasks", "/tasks"}) {
    server_.route(path, get([this](const Query& q) { return tasksJson(q); }));
  }
  for (const char* path : {"/master/flags", "/flags"}) server_.route(path, local([this] { return flagsJson(); }));
  for (const char* path : {"/version", "/master/version"}) server_.route(path, local([this] { return versionJson(); }));
  server_.route("/metrics/snapshot", local([this] { return metrics().json(); }));
  server_.route("/metrics/prometheus", http::prometheusHandler([this] { return metrics(); }));
  for (const char* endpoint : {"/reserve", "/unreserve", "/create-volumes", "/destroy-volumes"}) {
    for (std::string prefix : {"", "/master"}) {
      server_.route(prefix + endpoint, leaderOnly([this, endpoint](http::Request& r, http::Responder p) {
                      p.respond(formOperation(endpoint, r));
                    }));
    }
  }
  for (const char* path : {"/roles", "/master/roles"}) server_.route(path, get([this] { return rolesJson(); }));
  for (const char* path : {"/weights", "/master/weights"}) server_.route(path, get([this] { return weightsJson(); }));
  for (const char* path : {"/quota", "/master/quota"}) server_.route(path, get([this] { return quotaJson(); }));
  installFileRoutes();
  loggingLevel_.route(server_);
  webui::install(server_);
  for (const char* path : {"/health", "/master/health"}) {
    server_.route(path, [](http::Request&, http::Responder p) { p.respond(http::Response::empty(200)); });
  }
  for (const char* path : {"/master/redirect", "/redirect"}) {
    server_.route(path, [this](http::Request&, http::Responder p) {
      if (!leading_ && !leader_) {
        return p.respond(http::Response::text(503, "No master is leading at the moment; try again shortly\n"));
      }
      auto response = http::Response::empty(307);
      response.headers["Location"] =
          leading_ ? "//" + flags_.hostname + ":" + std::to_string(server_.port())
                   : "//" + leader_->address().ip() + ":" + std::to_string(leader_->address().port());
      p.respond(std::move(response));
    });
  }
}

double MasterImpl::now() const { return clock::monotonicSeconds(); }

// Allocation runs on a timer every --allocation_interval and, coalesced, as
// soon as the loop is free after anything that can make an offer possible
// (a framework or agent arriving, revive, resources coming back). Refuse
// filters keep that from ping-ponging offers.
void MasterImpl::requestAllocation() {
  if (allocationPending_ || stopped_) return;
  allocationPending_ = true;
  boost::asio::post(io_, [this] {
    allocationPending_ = false;
    if (!stopped_) runAllocation();
  });
}

void MasterImpl::scheduleAllocationTick() {
  allocationTick_.expires_after(std::chrono::duration_cast<std::chrono::nanoseconds>(flags_.allocation_interval));
  allocationTick_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    runAllocation();
    scheduleAllocationTick();
  });
}

void MasterImpl::runAllocation() { makeOffers(allocator_->allocate(now())); }

v1::MasterInfo MasterImpl::masterInfo() const {
  v1::MasterInfo info;
  info.set_id(masterId_);
  in_addr addr{};
  std::string ip = flags_.ip == "0.0.0.0" ? "127.0.0.1" : flags_.ip;
  inet_pton(AF_INET, ip.c_str(), &addr);
  info.set_ip(addr.s_addr);
  info.set_port(server_.port());
  info.set_pid("master@" + ip + ":" + std::to_string(server_.port()));
  info.set_hostname(flags_.hostname);
  info.set_version(TEPUI_VERSION);
  auto* address = info.mutable_address();
  address->set_hostname(flags_.hostname);
  address->set_ip(ip);
  address->set_port(server_.port());
  info.add_capabilities()->set_type(v1::MasterInfo::Capability::AGENT_UPDATE);
  return info;
}

}  // namespace tepui::master
