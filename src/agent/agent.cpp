// The agent's construction, flags, resource detection, its own HTTP
// endpoints (/state, /health, /flags, /version; /metrics/* from metrics.cpp)
// and stop.
#include <sys/statvfs.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <thread>

#include "agent/agent_impl.hpp"
#include "agent/byte_size.hpp"
#include "agent/fetcher_launch.hpp"
#include "common/attributes.hpp"
#include "common/clock.hpp"
#include "common/json.hpp"
#include "common/logging.hpp"
#include "http/prometheus.hpp"

namespace tepui::agent {

namespace bj = boost::json;

void registerFlags(FlagSet& flags, AgentFlags& v) {
  flags.add("master", &v.master,
            "The master to register with: host:port, or zk://host:port[,host:port]/path to follow the leader");
  flags.add("zk_session_timeout", &v.zk_session_timeout, "ZooKeeper session timeout (with --master=zk://...)");
  flags.add("ip", &v.ip, "IP address to listen on");
  flags.add("port", &v.port, "Port to listen on (0 picks a free port)");
  flags.add("advertise_ip", &v.advertise_ip,
            "IP address the master and executors use to reach this agent (default: --ip, or 127.0.0.1)");
  flags.add("hostname", &v.hostname, "Host name to advertise (default: this machine's host name)");
  flags.add("work_dir", &v.work_dir, "Directory for sandboxes and the agent's state");
  flags.add("resources", &v.resources,
            "Resources to offer, as 'cpus:4;mem:8192;ports:[31000-32000]' or a JSON array "
            "(default: detected)");
  flags.add("attributes", &v.attributes, "Attributes of this machine: 'rack:a;zone:b'");
  flags.add("default_role", &v.default_role, "Role that resources without one are reserved to ('*': none)");
  flags.add("launcher", &v.launcher, "The tepui binary executors run from (default: this binary)");
  flags.add("executor_registration_timeout", &v.executor_registration_timeout,
            "Time an executor has to subscribe before it is destroyed");
  flags.add("executor_shutdown_grace_period", &v.executor_shutdown_grace_period,
            "Time an executor has to exit after SHUTDOWN before it is killed");
  flags.add("executor_reregistration_timeout", &v.executor_reregistration_timeout,
            "Time the executors that outlived a restart of this agent have to subscribe again before they are "
            "killed (at most 15secs)");
  flags.add("recover", &v.recover,
            "What to do with the checkpointed state at start: 'reconnect' (keep the agent id and re-attach to the "
            "executors still running) or 'cleanup' (kill them and register as a new agent)");
  flags.add("executor_heartbeat_interval", &v.executor_heartbeat_interval,
            "Time between the HEARTBEAT events sent to each subscribed executor");
  flags.add("status_update_retry_interval", &v.status_update_retry_interval,
            "First interval at which an unacknowledged status update is re-sent (then doubles, up to 10mins)");
  flags.add("switch_user", &v.switch_user, "Run tasks as their user when the agent runs as root");
  flags.add("fetcher_cache_dir", &v.fetcher_cache_dir,
            "Directory of the cache for URIs fetched with 'cache: true' (default: <work_dir>/fetch)");
  flags.add("fetcher_cache_size", &v.fetcher_cache_size,
            "Most the fetcher cache may hold, as '2GB', '512MB', ... or a number of bytes");
  flags.add("containerizers", &v.containerizers, "Containerizers to use: 'mesos' (Tepui runs containers itself)");
  flags.add("isolation", &v.isolation,
            "Isolators, comma-separated: posix/cpu, posix/mem, disk/du (POSIX), or cgroups/cpu, cgroups/mem, "
            "namespaces/pid, filesystem/linux, network/ports (Linux, as root)");
  flags.add("cgroups_root", &v.cgroups_root,
            "Name of the cgroup under each hierarchy that holds this agent's containers (one per agent on a host)");
  flags.add("cgroups_enable_cfs", &v.cgroups_enable_cfs,
            "Hard CPU limits (CFS quota) from each container's cpus, with cgroups/cpu");
  flags.add("container_disk_watch_interval", &v.container_disk_watch_interval,
            "How often disk/du measures each sandbox's disk usage");
  flags.add("enforce_container_disk_quota", &v.enforce_container_disk_quota,
            "With disk/du, kill a container whose sandbox uses more disk than it was given");
  flags.add("container_ports_watch_interval", &v.container_ports_watch_interval,
            "How often network/ports checks the ports each container listens on");
  flags.add("enforce_container_ports", &v.enforce_container_ports,
            "With network/ports, kill a container that listens on a port it was not given");
  flags.add("check_agent_port_range_only", &v.check_agent_port_range_only,
            "With network/ports, check only ports within this agent's ports resource");
}

Result<std::unique_ptr<Agent>> Agent::create(boost::asio::io_context& io, AgentFlags flags, FlagSet* flagSet) {
  auto agent = std::make_unique<AgentImpl>(io, std::move(flags), flagSet);
  if (auto s = agent->start(); !s) return s.error();
  return std::unique_ptr<Agent>(std::move(agent));
}

AgentImpl::AgentImpl(boost::asio::io_context& io, AgentFlags flags, FlagSet* flagSet)
    : io_(io),
      flags_(std::move(flags)),
      flagSet_(flagSet),
      server_(io),
      client_(io),
      watcher_(io),
      updates_(
          io, [this](const std::string& f, const v1::TaskStatus& s, v1::TaskState l) { forwardStatus(f, s, l); },
          std::chrono::milliseconds(static_cast<int64_t>(flags_.status_update_retry_interval.count() * 1000))),
      checkpointWriter_(io),
      checkpoint_(flags_.work_dir),
      reconnectTimer_(io),
      watchdog_(io) {
  checkpoint_.useWriter(&checkpointWriter_);
  updates_.setPersist([this](const std::string& f, const std::string& t, const internal::TaskUpdates& stream) {
    checkpointUpdates(f, t, stream);
  });
}

AgentImpl::~AgentImpl() { stop(); }

Status AgentImpl::detectResources() {
  auto parsed = Resources::parse(flags_.resources, flags_.default_role);
  if (!parsed) return parsed.error().context("invalid --resources");
  Resources given = *parsed;
  std::string defaults;
  auto add = [&](const std::string& entry) { defaults += (defaults.empty() ? "" : ";") + entry; };
  if (!given.cpus()) add("cpus:" + std::to_string(std::max(1u, std::thread::hardware_concurrency())));
  if (!given.mem()) {
    double mb = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE)) / 1048576;
    add("mem:" + std::to_string(static_cast<int64_t>(mb >= 2048 ? mb - 1024 : mb / 2)));
  }
  if (!given.disk()) {
    struct statvfs fs {};
    double mb = statvfs(flags_.work_dir.c_str(), &fs) == 0
                    ? static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize) / 1048576
                    : 0;
    add("disk:" + std::to_string(static_cast<int64_t>(mb >= 10240 ? mb - 5120 : mb / 2)));
  }
  if (given.ports().empty()) add("ports:[31000-32000]");
  auto detected = Resources::parse(defaults, flags_.default_role);
  if (!detected) return detected.error();
  total_ = given + *detected;
  return okStatus();
}

Status AgentImpl::start() {
  startTime_ = clock::wallSeconds();
  std::error_code ec;
  std::filesystem::create_directories(flags_.work_dir, ec);
  if (ec) return Error("cannot create --work_dir '" + flags_.work_dir + "': " + ec.message());
  if (flags_.launcher.empty()) {
    flags_.launcher = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    if (ec) return Error("cannot find this binary to launch executors from; set --launcher");
  }
  fetcherPath_ = defaultFetcherPath(flags_.launcher);
  if (flags_.fetcher_cache_dir.empty()) flags_.fetcher_cache_dir = flags_.work_dir + "/fetch";
  auto cacheSize = parseByteSize(flags_.fetcher_cache_size);
  if (!cacheSize) return cacheSize.error().context("invalid --fetcher_cache_size");
  fetcherCacheSize_ = *cacheSize;
  if (flags_.executor_heartbeat_interval.count() <= 0) return Error("--executor_heartbeat_interval must be positive");
  bool followLeader = flags_.master.rfind("zk://", 0) == 0;
  if (followLeader) {
    if (auto url = registry::parseZooKeeperUrl(flags_.master); !url) return url.error().context("invalid --master");
  } else {
    auto master = http::parseEndpoint(flags_.master);
    if (!master) return Error("invalid --master '" + flags_.master + "': expected host:port or zk://host:port/path");
    master_ = *master;
  }
  if (auto s = detectResources(); !s) return s;
  containerizer::IsolationOptions isolation;
  isolation.containerizers = flags_.containerizers;
  isolation.isolation = flags_.isolation;
  isolation.cgroupsRoot = flags_.cgroups_root;
  isolation.workDir = flags_.work_dir;
  isolation.cgroupsEnableCfs = flags_.cgroups_enable_cfs;
  isolation.diskWatchInterval = flags_.container_disk_watch_interval;
  isolation.enforceDiskQuota = flags_.enforce_container_disk_quota;
  isolation.portsWatchInterval = flags_.container_ports_watch_interval;
  isolation.enforcePorts = flags_.enforce_container_ports;
  if (flags_.check_agent_port_range_only) {
    google::protobuf::RepeatedPtrField<v1::Resource> total;
    total_.copyTo(&total);
    for (auto& r : total) {
      if (r.name() != "ports") continue;
      for (auto& range : r.ranges().range()) isolation.checkedPorts.emplace_back(range.begin(), range.end());
    }
  }
  auto containerizer = containerizer::Containerizer::create(io_, isolation);
  if (!containerizer) return containerizer.error();
  containerizer_ = std::move(*containerizer);
  containerizer_->onLimitation([this](const std::string& containerId, const containerizer::Limitation& limit) {
    containerLimited(containerId, limit);
  });
  if (auto s = recoverResources(); !s) return s;
  auto attributes = parseAttributes(flags_.attributes);
  if (!attributes) return attributes.error().context("invalid --attributes");
  if (auto s = recoverState(*attributes); !s) return s;
  containerizer_->recover(liveContainers());
  if (flags_.hostname.empty()) {
    char buf[256] = {};
    flags_.hostname = gethostname(buf, sizeof buf - 1) == 0 ? buf : "localhost";
  }

  installRoutes();
  if (auto s = server_.listen(flags_.ip, flags_.port); !s) return s.error();
  if (flags_.advertise_ip.empty()) flags_.advertise_ip = flags_.ip == "0.0.0.0" ? "127.0.0.1" : flags_.ip;

  info_.set_hostname(flags_.hostname);
  info_.set_port(server_.port());
  total_.copyTo(info_.mutable_resources());
  for (auto& a : *attributes) *info_.add_attributes() = a;
  TLOG(INFO) << "Agent listening on " << endpoint() << " with " << total_.toString() << "; master " << master_.str()
             << "; containerizer " << containerizer_->describe();
  if (followLeader) return followLeadingMaster();
  connect();
  return okStatus();
}

void AgentImpl::shutdown(bool keepRecoverable) {
  if (stopped_) return;
  stopped_ = true;
  if (keepRecoverable) TLOG(INFO) << "Leaving the executors of checkpointing frameworks running for recovery";
  detector_.reset();
  reconnectTimer_.cancel();
  watchdog_.cancel();
  if (masterStream_) masterStream_->cancel();
  // Executors get SIGTERM first: the command executor then kills its task's
  // whole process group, which SIGKILL to the executor alone would orphan.
  std::vector<pid_t> pids;
  std::vector<std::pair<std::string, pid_t>> ended;  // containers to destroy
  for (auto& [fid, f] : frameworks_) {
    bool recoverable = keepRecoverable && f.info.checkpoint();
    for (auto& [eid, e] : f.executors) {
      if (e.pid > 0 && !recoverable) pids.push_back(e.pid);
      if (!recoverable) ended.emplace_back(e.containerId, e.pid);
      if (e.fetch && e.fetch->pid() > 0) pids.push_back(e.fetch->pid());
      for (auto& [group, run] : e.groupFetches) {
        if (run->pid() > 0) pids.push_back(run->pid());
      }
      e.cancelTimers();
      if (e.stream) e.stream->close();
    }
  }
  watcher_.cancelAll();
  containerizer::terminateAll(pids, std::chrono::seconds(3));
  for (auto& [containerId, pid] : ended) containerizer_->destroy(containerId, pid);
  client_.shutdown();
  server_.stop();
  checkpointWriter_.drain();  // what was checkpointed is on disk before the agent goes
}

std::string AgentImpl::endpoint() const { return flags_.advertise_ip + ":" + std::to_string(server_.port()); }

void AgentImpl::installRoutes() {
  server_.route("/api/v1/executor", [this](http::Request& r, http::Responder p) { handleExecutor(r, std::move(p)); });
  server_.route("/api/v1", [this](http::Request& r, http::Responder p) { handleOperator(r, std::move(p)); });
  registerFileRoutes(
      server_, io_, [this] { return flags_.work_dir; }, [this] { return agentId_; });
  loggingLevel_.route(server_);
  auto get = [](std::function<std::string()> body) {
    return [body = std::move(body)](http::Request& r, http::Responder p) {
      if (r.method != "GET" && r.method != "HEAD") {
        return p.respond(http::Response::methodNotAllowed("GET", r.method));
      }
      p.respond(http::Response::json(200, body()));
    };
  };
  for (const char* path : {"/state", "/slave(1)/state", "/state.json"}) {
    server_.route(path, get([this] { return stateJson(); }));
  }
  server_.route("/metrics/snapshot", get([this] { return metrics().json(); }));
  server_.route("/metrics/prometheus", http::prometheusHandler([this] { return metrics(); }));
  for (const char* path : {"/monitor/statistics", "/monitor/statistics.json", "/slave(1)/monitor/statistics"}) {
    server_.route(path, get([this] { return statisticsJson(); }));
  }
  for (const char* path : {"/flags", "/slave(1)/flags"}) {
    server_.route(path, get([this] {
                    bj::object flags;
                    if (flagSet_) {
                      for (auto& [name, value] : flagSet_->values()) flags[name] = value;
                    }
                    return json::serialize(bj::object{{"flags", std::move(flags)}});
                  }));
  }
  server_.route("/version", get([] { return json::serialize(bj::object{{"version", TEPUI_VERSION}}); }));
  for (const char* path : {"/health", "/slave(1)/health"}) {
    server_.route(path, [](http::Request&, http::Responder p) { p.respond(http::Response::empty(200)); });
  }
}

std::string AgentImpl::stateJson() const {
  bj::object o;
  o["version"] = TEPUI_VERSION;
  o["start_time"] = startTime_;
  o["id"] = agentId_;
  o["pid"] = "slave(1)@" + endpoint();
  o["hostname"] = flags_.hostname;
  o["resources"] = json::toValue(info_).as_object()["resources"];
  o["master_hostname"] = master_.host;
  bj::array attributes;
  for (auto& a : info_.attributes()) attributes.push_back(json::toValue(a));
  o["attributes"] = std::move(attributes);
  bj::array frameworks;
  for (auto& [fid, f] : frameworks_) {
    bj::object fo;
    fo["id"] = fid;
    fo["name"] = f.info.name();
    fo["user"] = f.info.user();
    bj::array executors;
    for (auto& [eid, e] : f.executors) {
      bj::object eo;
      eo["id"] = eid;
      eo["name"] = e.info.name();
      eo["container"] = e.containerId;
      eo["directory"] = e.directory;
      bj::array tasks;
      for (auto& [tid, t] : e.tasks) {
        bj::object to;
        to["id"] = tid;
        to["name"] = t.info.name();
        to["state"] = v1::TaskState_Name(t.state);
        to["framework_id"] = fid;
        to["executor_id"] = eid;
        tasks.push_back(std::move(to));
      }
      eo["tasks"] = std::move(tasks);
      executors.push_back(std::move(eo));
    }
    fo["executors"] = std::move(executors);
    frameworks.push_back(std::move(fo));
  }
  o["frameworks"] = std::move(frameworks);
  return json::serialize(o);
}

}  // namespace tepui::agent
