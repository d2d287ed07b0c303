// The services runtime with real parts: a real master and agent in process,
// real tasks, real HTTP on loopback and (for leadership) a real ZooKeeper.
// - FrameworkLink: subscribes, persists its framework id first, launches a
//   task from an offer, acknowledges its updates, and after a master
//   restart subscribes again with the same id and reconciles the task.
// - The daemon alone (--work_dir): its own endpoints, a plugged-in route,
//   and the framework id surviving a restart of the daemon.
// - Several daemons on ZooKeeper: one leads, the others redirect (307) to
//   it; DELETE /v2/leader hands leadership over with the state; a leader
//   that loses ZooKeeper stops leading at once.
#include <atomic>
#include <boost/json.hpp>
#include <mutex>

#include "cluster.hpp"
#include "frameworks/framework_link.hpp"
#include "services/services.hpp"
#include "services/state.hpp"
#include "support/zookeeper_server.hpp"

namespace tepui::testing {
namespace {

using services::FrameworkLink;

boost::json::object jsonOf(const http::Response& response) {
  boost::system::error_code ec;
  auto value = boost::json::parse(response.body, ec);
  EXPECT_FALSE(ec) << response.body;
  return !ec && value.is_object() ? value.as_object() : boost::json::object{};
}

http::Response request(const http::Endpoint& endpoint, const std::string& method, const std::string& target,
                       http::Headers headers = {}) {
  http::Request r;
  r.method = method;
  r.target = target;
  r.headers = std::move(headers);
  auto response = http::fetch(endpoint, r);
  EXPECT_TRUE(response.ok()) << target << ": " << response.error().message;
  return response ? *response : http::Response{};
}

// A master on loopback with `flags` (a port, a work dir, ZooKeeper).
std::unique_ptr<cli::InProcess<master::Master>> startMaster(master::MasterFlags flags) {
  flags.ip = "127.0.0.1";
  flags.hostname = "127.0.0.1";
  auto m = std::make_unique<cli::InProcess<master::Master>>();
  auto s = m->start("master", [&](boost::asio::io_context& io) { return master::Master::create(io, flags); });
  if (!s) throw std::runtime_error(s.error().message);
  return m;
}

// A master on `port` (0: any) keeping its registry under `workDir`.
std::unique_ptr<cli::InProcess<master::Master>> startMaster(const std::filesystem::path& workDir, uint16_t port) {
  master::MasterFlags flags;
  flags.port = port;
  flags.work_dir = workDir.string();
  return startMaster(flags);
}

std::unique_ptr<cli::InProcess<agent::Agent>> startAgent(const std::filesystem::path& workDir, uint16_t masterPort) {
  agent::AgentFlags flags;
  flags.master = "127.0.0.1:" + std::to_string(masterPort);
  flags.ip = "127.0.0.1";
  flags.port = 0;
  flags.hostname = "127.0.0.1";
  flags.resources = "cpus:2;mem:1024;disk:1024";
  flags.launcher = TEPUI_BINARY;
  flags.work_dir = workDir.string();
  auto a = std::make_unique<cli::InProcess<agent::Agent>>();
  auto s = a->start("agent", [&](boost::asio::io_context& io) { return agent::Agent::create(io, flags); });
  if (!s) throw std::runtime_error(s.error().message);
  return a;
}

// What the link's callbacks saw, shared with the test thread.
struct Seen {
  std::mutex mutex;
  std::vector<std::string> persisted;
  std::vector<std::string> subscribedAs;
  std::vector<v1::TaskStatus> updates;
  std::optional<v1::AgentID> launchedOn;
  std::vector<size_t> reconciled;  // how many tasks tasksToReconcile listed, each time
  bool durable = false;            // the framework id
  size_t offers = 0;

  template <typename Fn>
  auto with(Fn fn) {
    std::lock_guard lock(mutex);
    return fn(*this);
  }
  bool updateOf(const std::string& task, std::function<bool(const v1::TaskStatus&)> match) {
    return with([&](Seen& s) {
      return std::any_of(s.updates.begin(), s.updates.end(),
                         [&](const v1::TaskStatus& u) { return u.task_id().value() == task && match(u); });
    });
  }
};

TEST(ServicesRuntimeTest, FrameworkLinkLaunchesAcknowledgesAndReconcilesAcrossAMasterRestart) {
  auto masterDir = std::filesystem::temp_directory_path() / ("tepui-services-link-" + std::to_string(::getpid()));
  std::filesystem::remove_all(masterDir);
  auto master = startMaster(masterDir / "master", 0);
  uint16_t port = (*master)->port();
  auto agent = startAgent(masterDir / "agent", port);

  const std::string taskId = "svc-link-task";
  Seen seen;
  cli::InProcess<FrameworkLink> link;
  auto started = link.start("services", [&](boost::asio::io_context& io) -> Result<std::unique_ptr<FrameworkLink>> {
    frameworks::FrameworkLinkOptions options;
    options.master = "127.0.0.1:" + std::to_string(port);
    options.info = frameworkInfo("services-link-test", {}, 3600);
    options.maxBackoff = Seconds(1);
    auto l = std::make_unique<FrameworkLink>(io, options, "");
    FrameworkLink* self = l.get();
    auto& cb = l->callbacks();
    cb.persistFrameworkId = [&io, &seen](const std::string& id, std::function<void(const Status&)> durable) {
      seen.with([&](Seen& s) { s.persisted.push_back(id); });
      // Durable a while later, as a slow store would: nothing is delivered
      // meanwhile.
      auto timer = std::make_shared<boost::asio::steady_timer>(io, 300ms);
      timer->async_wait([timer, durable, &seen](const boost::system::error_code&) {
        seen.with([](Seen& s) { s.durable = true; });
        durable(okStatus());
      });
    };
    cb.onSubscribed = [&seen](const std::string& id) {
      seen.with([&](Seen& s) {
        EXPECT_TRUE(s.durable);
        s.subscribedAs.push_back(id);
      });
    };
    cb.tasksToReconcile = [&seen, taskId] {
      FrameworkLink::TaskList tasks;
      seen.with([&](Seen& s) {
        if (s.launchedOn) tasks.push_back({commandTask(taskId, "").task_id(), s.launchedOn});
        s.reconciled.push_back(tasks.size());
      });
      return tasks;
    };
    cb.onOffers = [&seen, self, taskId](const std::vector<v1::Offer>& offers) {
      std::vector<v1::OfferID> decline;
      for (const v1::Offer& offer : offers) {
        bool launch = seen.with([&](Seen& s) {
          EXPECT_TRUE(s.durable) << "an offer came before the framework id was durable";
          ++s.offers;
          if (s.launchedOn) return false;
          s.launchedOn = offer.agent_id();
          return true;
        });
        if (!launch) {
          decline.push_back(offer.id());
          continue;
        }
        v1::TaskInfo task = commandTask(taskId, "sleep 600");
        *task.mutable_agent_id() = offer.agent_id();
        v1::Offer::Operation op;
        op.set_type(v1::Offer::Operation::LAUNCH);
        *op.mutable_launch()->add_task_infos() = task;
        self->client().accept({offer.id()}, {op});
      }
      if (!decline.empty()) self->client().decline(decline, 3600);
    };
    cb.onUpdate = [&seen](const v1::TaskStatus& status, FrameworkLink::Ack ack) {
      seen.with([&](Seen& s) { s.updates.push_back(status); });
      ack();
    };
    if (auto s = l->start(); !s) return s.error();
    return l;
  });
  ASSERT_TRUE(started.ok()) << started.error().message;

  ASSERT_TRUE(eventually([&] { return seen.updateOf(taskId, [](auto& u) { return u.state() == v1::TASK_RUNNING; }); }));
  std::string id = link.call([](FrameworkLink& l) { return l.frameworkId(); });
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(seen.with([](Seen& s) { return s.persisted; }), std::vector<std::string>{id});
  EXPECT_EQ(seen.with([](Seen& s) { return s.subscribedAs; }), std::vector<std::string>{id});
  // Acknowledged: the master holds no unacknowledged update of the task.
  ASSERT_TRUE(
      eventually([&] { return link.call([](FrameworkLink& l) { return l.counters().acknowledgements; }) >= 2; }));

  // The framework as the master sees it.
  auto frameworks = jsonOf(httpGet({"127.0.0.1", port}, "/master/state"));
  ASSERT_EQ(frameworks["frameworks"].as_array().size(), 1u);
  auto& framework = frameworks["frameworks"].as_array()[0].as_object();
  EXPECT_EQ(framework["id"].as_string(), id);
  EXPECT_TRUE(framework["checkpoint"].as_bool());
  EXPECT_EQ(framework["failover_timeout"].as_double(), 3600.0);
  std::set<std::string> capabilities;
  for (auto& c : framework["capabilities"].as_array()) capabilities.insert(std::string(c.as_string()));
  EXPECT_EQ(capabilities, (std::set<std::string>{"PARTITION_AWARE", "TASK_KILLING_STATE"}));

  // The master restarts on the same port and registry: the link subscribes
  // again with the same id, without persisting anything, and asks for its
  // task's state explicitly.
  master.reset();
  master = startMaster(masterDir / "master", port);
  ASSERT_TRUE(eventually([&] { return seen.with([](Seen& s) { return s.subscribedAs.size(); }) == 2; }, 30s));
  EXPECT_EQ(seen.with([](Seen& s) { return s.subscribedAs; }), (std::vector<std::string>{id, id}));
  EXPECT_EQ(seen.with([](Seen& s) { return s.persisted.size(); }), 1u);
  EXPECT_TRUE(link.call([](FrameworkLink& l) { return l.subscribed(); }));
  EXPECT_EQ(link.call([](FrameworkLink& l) { return l.counters().disconnections; }), 1u);
  EXPECT_EQ(seen.with([](Seen& s) { return s.reconciled; }), (std::vector<size_t>{0, 1}));
  // Two RECONCILE calls: the task explicitly, then everything implicitly.
  // (Whether the explicit one is answered before the agent is back is the
  // master's business: it does not answer for an agent still recovering.)
  ASSERT_TRUE(eventually([&] {
    return jsonOf(httpGet({"127.0.0.1", port}, "/metrics/snapshot"))["master/messages_reconcile_tasks"]
               .to_number<int>() == 2;
  }));
  // Once the agent is back, the task is still running (a checkpointing
  // framework's task survives all this).
  ASSERT_TRUE(eventually(
      [&] {
        auto state = jsonOf(httpGet({"127.0.0.1", port}, "/master/state"));
        auto& frameworks = state["frameworks"].as_array();
        if (frameworks.size() != 1) return false;
        auto& tasks = frameworks[0].as_object().at("tasks").as_array();
        return tasks.size() == 1 && tasks[0].as_object().at("state").as_string() == "TASK_RUNNING";
      },
      30s));
  link.stop();
  agent.reset();
  master.reset();
  std::filesystem::remove_all(masterDir);
}

TEST(ServicesRuntimeTest, FrameworkLinkFollowsTheMastersElectedThroughZooKeeper) {
  ZooKeeperServer zk;
  master::MasterFlags flags;
  flags.port = 0;
  flags.zk = zk.url("/masters");
  flags.quorum = 1;
  flags.zk_session_timeout = Seconds(2);
  std::vector<std::unique_ptr<cli::InProcess<master::Master>>> masters;
  masters.push_back(startMaster(flags));
  masters.push_back(startMaster(flags));
  std::mutex mutex;
  std::vector<std::string> subscribedAs;
  cli::InProcess<FrameworkLink> link;
  auto started = link.start("services", [&](boost::asio::io_context& io) -> Result<std::unique_ptr<FrameworkLink>> {
    frameworks::FrameworkLinkOptions options;
    options.master = flags.zk;
    options.zkSessionTimeout = Seconds(2);
    options.info = frameworkInfo("services-follower", {}, 3600);
    options.maxBackoff = Seconds(1);
    auto l = std::make_unique<FrameworkLink>(io, options, "");
    l->callbacks().onSubscribed = [&](const std::string& id) {
      std::lock_guard lock(mutex);
      subscribedAs.push_back(id);
    };
    if (auto s = l->start(); !s) return s.error();
    return l;
  });
  ASSERT_TRUE(started.ok()) << started.error().message;
  auto subscriptions = [&] {
    std::lock_guard lock(mutex);
    return subscribedAs;
  };
  ASSERT_TRUE(eventually([&] { return subscriptions().size() == 1; }, 30s));
  auto leader = link.call([](FrameworkLink& l) { return l.master(); });
  ASSERT_TRUE(leader);
  size_t leading = (*masters[0])->port() == leader->port ? 0 : 1;
  ASSERT_EQ((*masters[leading])->port(), leader->port);

  // The leader goes: the other master is elected, and the link subscribes
  // to it with the same framework id.
  masters[leading].reset();
  ASSERT_TRUE(eventually([&] { return subscriptions().size() == 2; }, 30s));
  EXPECT_EQ(subscriptions()[1], subscriptions()[0]);
  EXPECT_EQ(link.call([](FrameworkLink& l) { return l.master(); })->port, (*masters[1 - leading])->port());
  link.stop();
}

TEST(ServicesRuntimeTest, FrameworkLinkStopsIfItCannotRememberItsFrameworkId) {
  Cluster cluster;
  std::atomic<int> offers = 0, subscribed = 0;
  std::optional<std::string> error;
  std::mutex mutex;
  cli::InProcess<FrameworkLink> link;
  auto started = link.start("services", [&](boost::asio::io_context& io) -> Result<std::unique_ptr<FrameworkLink>> {
    frameworks::FrameworkLinkOptions options;
    options.master = cluster.masterEndpoint().str();
    options.info = frameworkInfo("services-forgetful", {}, 3600);
    auto l = std::make_unique<FrameworkLink>(io, options, "");
    l->callbacks().persistFrameworkId = [](const std::string&, std::function<void(const Status&)> durable) {
      durable(Error("disk full"));
    };
    l->callbacks().onOffers = [&](const std::vector<v1::Offer>&) { ++offers; };
    l->callbacks().onSubscribed = [&](const std::string&) { ++subscribed; };
    l->callbacks().onError = [&](const std::string& why) {
      std::lock_guard lock(mutex);
      error = why;
    };
    if (auto s = l->start(); !s) return s.error();
    return l;
  });
  ASSERT_TRUE(started.ok()) << started.error().message;
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return error.has_value();
  }));
  EXPECT_NE(error->find("disk full"), std::string::npos);
  EXPECT_FALSE(link.call([](FrameworkLink& l) { return l.subscribed(); }));
  EXPECT_EQ(link.call([](FrameworkLink& l) { return l.frameworkId(); }), "");
  EXPECT_EQ(offers, 0);
  EXPECT_EQ(subscribed, 0);
  // The master lost the framework's connection: it is not active.
  ASSERT_TRUE(eventually([&] {
    auto frameworks = jsonOf(httpGet(cluster.masterEndpoint(), "/master/state"))["frameworks"].as_array();
    return frameworks.size() == 1 && !frameworks[0].as_object().at("active").as_bool();
  }));
}

// A daemon of `tepui services` in process.
struct Daemon {
  explicit Daemon(services::ServicesFlags flags) {
    flags.ip = "127.0.0.1";
    flags.port = 0;
    flags.hostname = "127.0.0.1";
    auto s =
        daemon.start("services", [&](boost::asio::io_context& io) { return services::Services::create(io, flags); });
    if (!s) throw std::runtime_error(s.error().message);
    endpoint = {"127.0.0.1", daemon->port()};
  }
  bool leading() {
    return daemon.call([](services::Services& s) { return s.leading(); });
  }
  boost::json::object info() { return jsonOf(request(endpoint, "GET", "/v2/info")); }
  std::string frameworkId() {
    auto i = info();
    return i["frameworkId"].is_string() ? std::string(i["frameworkId"].as_string()) : "";
  }

  cli::InProcess<services::Services> daemon;
  http::Endpoint endpoint;
};

TEST(ServicesRuntimeTest, ALoneDaemonServesItsEndpointsAndKeepsItsFrameworkIdAcrossRestarts) {
  Cluster cluster;
  auto workDir = cluster.workDir() / "services";
  services::ServicesFlags flags;
  flags.master = cluster.masterEndpoint().str();
  flags.work_dir = workDir.string();
  std::string id;
  {
    Daemon d(flags);
    ASSERT_TRUE(eventually([&] { return !d.frameworkId().empty(); }));
    id = d.frameworkId();
    EXPECT_EQ(request(d.endpoint, "GET", "/ping").body, "pong");
    auto info = d.info();
    EXPECT_EQ(info["name"].as_string(), "tepui-services");
    EXPECT_TRUE(info["elected"].as_bool());
    EXPECT_EQ(info["leader"].as_string(), d.endpoint.str());
    EXPECT_EQ(info["marathon_config"].as_object()["master"].as_string(), flags.master);
    EXPECT_EQ(info["marathon_config"].as_object()["framework_name"].as_string(), "tepui-services");
    EXPECT_TRUE(info["zookeeper_config"].as_object()["zk"].is_null());
    EXPECT_EQ(info["http_config"].as_object()["http_port"].as_int64(), d.endpoint.port);
    EXPECT_EQ(jsonOf(request(d.endpoint, "GET", "/v2/leader"))["leader"].as_string(), d.endpoint.str());
    auto metrics = jsonOf(request(d.endpoint, "GET", "/metrics"));
    EXPECT_EQ(metrics["services/elected"].as_int64(), 1);
    EXPECT_EQ(metrics["services/framework/subscribed"].as_int64(), 1);
    // Without --zk there is no one to hand leadership to.
    auto abdicate = request(d.endpoint, "DELETE", "/v2/leader");
    EXPECT_EQ(abdicate.status, 400);
    EXPECT_NE(jsonOf(abdicate)["message"].as_string().find("--zk"), std::string::npos);
    // The rest of the API is not there yet: a JSON 404.
    auto unknown = request(d.endpoint, "GET", "/v2/apps");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_TRUE(jsonOf(unknown).contains("message"));
    // /v2/events is served.
    auto events = request(d.endpoint, "GET", "/v2/events", {{"Accept", "application/json"}});
    EXPECT_EQ(events.status, 406);
  }
  {
    // Restarted on the same work dir: the same framework, and the plugged-in
    // logic sees the state and its route is served.
    Daemon d(flags);
    std::string seenId;
    d.daemon.call([&](services::Services& s) {
      s.route("/v2/apps", [](http::Request&, http::Responder p) { p.respond(http::Response::json(200, "{}")); });
      s.onLeadership([&](services::Leader& leader) { seenId = leader.repository.frameworkId(); }, [] {});
      return 0;
    });
    ASSERT_TRUE(eventually([&] { return d.frameworkId() == id; }));
    EXPECT_EQ(d.daemon.call([&](services::Services&) { return seenId; }), id);
    EXPECT_EQ(request(d.endpoint, "GET", "/v2/apps").status, 200);
  }
  auto state = jsonOf(httpGet(cluster.masterEndpoint(), "/master/state"));
  ASSERT_EQ(state["frameworks"].as_array().size(), 1u);
  EXPECT_EQ(state["frameworks"].as_array()[0].as_object()["id"].as_string(), id);
}

TEST(ServicesRuntimeTest, DaemonsOnZooKeeperElectOneRedirectToItAndHandOverOnAbdication) {
  ZooKeeperServer zk;
  Cluster cluster;
  services::ServicesFlags flags;
  flags.master = cluster.masterEndpoint().str();
  flags.zk = zk.url("/tepui-services");
  flags.zk_session_timeout = Seconds(2);
  Daemon a(flags);
  ASSERT_TRUE(eventually([&] { return a.leading() && !a.frameworkId().empty(); }));
  Daemon b(flags);
  std::string id = a.frameworkId();

  // b follows: /v2/events and the rest of /v2 go to the leader.
  ASSERT_TRUE(eventually([&] { return request(b.endpoint, "GET", "/v2/events").status == 307; }));
  auto redirected = request(b.endpoint, "GET", "/v2/events?event_type=x", {{"Accept", "text/event-stream"}});
  EXPECT_EQ(redirected.status, 307);
  EXPECT_EQ(redirected.header("Location"), "http://" + a.endpoint.str() + "/v2/events?event_type=x");
  EXPECT_EQ(request(b.endpoint, "POST", "/v2/apps").header("Location"), "http://" + a.endpoint.str() + "/v2/apps");
  EXPECT_EQ(jsonOf(request(b.endpoint, "GET", "/v2/leader"))["leader"].as_string(), a.endpoint.str());
  EXPECT_FALSE(b.info()["elected"].as_bool());
  EXPECT_EQ(b.info()["leader"].as_string(), a.endpoint.str());
  EXPECT_EQ(request(b.endpoint, "GET", "/ping").body, "pong");

  // a abdicates: b leads, with the same framework (the state is in ZooKeeper).
  auto abdicated = request(a.endpoint, "DELETE", "/v2/leader");
  EXPECT_EQ(abdicated.status, 200);
  ASSERT_TRUE(eventually([&] { return b.leading() && b.frameworkId() == id; }, 30s));
  ASSERT_TRUE(eventually([&] { return request(a.endpoint, "GET", "/v2/events").status == 307; }));
  EXPECT_EQ(request(a.endpoint, "GET", "/v2/events").header("Location"), "http://" + b.endpoint.str() + "/v2/events");
  EXPECT_FALSE(a.leading());
  auto frameworks = jsonOf(httpGet(cluster.masterEndpoint(), "/master/state"));
  EXPECT_EQ(frameworks["frameworks"].as_array().size(), 1u);

  // ZooKeeper goes away: the leader stops leading at once (no one can be
  // sure who leads), and leads again once it is back.
  zk.stop();
  ASSERT_TRUE(eventually([&] { return !b.leading(); }, 30s));
  EXPECT_EQ(request(b.endpoint, "GET", "/v2/events").status, 503);
  zk.start();
  ASSERT_TRUE(eventually([&] { return a.leading() || b.leading(); }, 60s));
  Daemon& leader = a.leading() ? a : b;
  ASSERT_TRUE(eventually([&] { return leader.frameworkId() == id; }));
}

}  // namespace
}  // namespace tepui::testing
