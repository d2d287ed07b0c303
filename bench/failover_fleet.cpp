// bench_failover_fleet: N simulated Tepui agents in one process, for the
// master failover benchmark (bench/README.md, "Master failover"; driven by
// bench/failover_bench.py).
//
// Each simulated agent speaks the agent protocol (proto/tepui/internal/
// agent.proto) as `tepui agent` does (src/agent/master_link.cpp), over its
// own connection on loopback: REGISTER on a dedicated connection whose
// response is its event stream. Its calls (PONG, STATUS_UPDATE) go through
// a keep-alive pool: one shared by the fleet (a few connections), or with
// --own_call_pool one per agent as each `tepui agent` has, which doubles the
// sockets on both sides (two per agent). It
// - registers when the election in ZooKeeper names a leader, and registers
//   again, with its id, its frameworks and every task it holds (in its
//   latest state), whenever the leader changes, at once and without
//   backoff; after a dropped stream it retries with backoff (100 ms doubling
//   to 5 s) and re-registers after five silent ping intervals;
// - answers PING with PONG;
// - "runs" each RUN_TASK: it starts no process, reports TASK_RUNNING (source
//   EXECUTOR, with a uuid, as a command executor's update reaches the
//   master) and re-sends it until it is acknowledged, as the agent's status
//   update manager does: after --status_update_retry_interval, doubling up
//   to 10 minutes, and at once on each registration; KILL_TASK and SHUTDOWN_FRAMEWORK
//   end tasks with TASK_KILLED;
// - stops for good on SHUTDOWN.
// The event streams' connections come from --source_addresses loopback
// addresses (127.0.0.2, 127.0.0.3, ...; agent i from the (i mod N)th), as
// real agents each connect from their own host: from one address, connect()
// searches an ephemeral port range crowded with the fleet's own sockets.
// Differences from N real agents, all on the agent side: one ZooKeeper
// session and watch for the whole fleet instead of one per agent; calls
// over a shared pool unless --own_call_pool; no
// executors, so no executor processes and no TASK_STARTING; the agents serve
// no HTTP of their own (the master dials an agent only to proxy /files).
//
// Prints EVENT lines (failover_common.hpp): leader_detected, registers_issued,
// first_registered and all_registered per leader (with the agents and tasks reported), and
// tasks_running once every task launched on the fleet was reported RUNNING.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <iostream>
#include <map>
#include <set>
#include <vector>

#include "common/codec.hpp"
#include "common/flags.hpp"
#include "common/ids.hpp"
#include "common/logging.hpp"
#include "common/resources.hpp"
#include "failover_common.hpp"
#include "http/api_request.hpp"
#include "http/client.hpp"
#include "http/recordio.hpp"
#include "tepui/internal/agent.pb.h"

namespace {

using namespace tepui;
using bench::report;
using bench::unixSeconds;
using AgentCall = internal::AgentCall;
using AgentEvent = internal::AgentEvent;
using Timer = boost::asio::steady_timer;
constexpr std::chrono::milliseconds kMaxBackoff{5000};
constexpr std::chrono::milliseconds kMaxRetryInterval{600000};

struct Options {
  std::string zk;
  double zkSessionTimeout = 10;
  int agents = 1000;
  std::string resources = "cpus:16;mem:16384;disk:100000;ports:[31000-32000]";
  std::string hostPrefix = "sim-agent-";
  double statusUpdateRetryInterval = 10;
  bool ownCallPool = false;
  double registerRate = 0;  // first registrations per second; 0 = all at once
  int sharedPoolConnections = 32;
  int sourceAddresses = 16;  // 0 = the kernel's choice (127.0.0.1 towards a master on loopback)
};

class SimAgent;

// The shared pool's calls, at most `limit` in flight (so at most that many
// sockets); the rest wait their turn, in order. Without it a burst (the
// new leader pings every agent as it re-registers) opens a connection per
// call, each connect() from 127.0.0.1 searching a port space crowded with
// the fleet's own sockets.
class CallQueue {
 public:
  CallQueue(http::Client& client, size_t limit) : client_(client), limit_(limit) {}

  void submit(const http::Endpoint& to, http::Request request, http::Client::Callback done) {
    waiting_.push_back({to, std::move(request), std::move(done)});
    next();
  }

 private:
  struct Call {
    http::Endpoint to;
    http::Request request;
    http::Client::Callback done;
  };

  void next() {
    while (inFlight_ < limit_ && !waiting_.empty()) {
      Call call = std::move(waiting_.front());
      waiting_.pop_front();
      ++inFlight_;
      client_.request(call.to, std::move(call.request), [this, done = std::move(call.done)](Result<http::Response> r) {
        --inFlight_;
        done(std::move(r));
        next();
      });
    }
  }

  http::Client& client_;
  size_t limit_;
  size_t inFlight_ = 0;
  std::deque<Call> waiting_;
};

// What all agents share: the leader, the counts behind the EVENT lines.
struct FleetState {
  boost::asio::io_context& io;
  const Options& options;
  google::protobuf::RepeatedPtrField<v1::Resource> resources;
  std::vector<std::unique_ptr<http::Client>>& streamClients;  // agent i's event stream: client i mod size
  CallQueue& sharedCalls;
  http::Endpoint leader;
  int leaderEpoch = 0;
  int registeredWithLeader = 0;
  int64_t tasksReported = 0;  // in the REGISTERs answered by this leader
  int64_t tasksLaunched = 0, tasksRunning = 0;

  void registered(int epoch, size_t tasks) {
    if (epoch != leaderEpoch) return;
    tasksReported += static_cast<int64_t>(tasks);
    if (++registeredWithLeader == 1) report("first_registered", "leader=" + leader.str());
    if (registeredWithLeader == options.agents) {
      report("all_registered", "leader=" + leader.str() + " agents=" + std::to_string(registeredWithLeader) +
                                   " tasks=" + std::to_string(tasksReported));
    }
  }
};

struct SimTask {
  v1::TaskInfo info;
  v1::TaskState state = v1::TASK_STAGING;
  std::string unackedUuid;  // the update in flight, until acknowledged
  std::chrono::steady_clock::time_point retryAt;
  std::chrono::milliseconds retryInterval{0};
};

class SimAgent {
 public:
  SimAgent(FleetState& fleet, int index)
      : fleet_(fleet),
        index_(index),
        ownClient_(fleet.options.ownCallPool ? std::make_unique<http::Client>(fleet.io) : nullptr),
        reconnectTimer_(fleet.io),
        watchdog_(fleet.io) {
    info_.set_hostname(fleet.options.hostPrefix + std::to_string(index));
    info_.set_port(5051);
    *info_.mutable_resources() = fleet.resources;
  }

  // The election named a new leader: drop the old link, register now.
  // (With --register_rate, an agent not registered yet waits for its turn.)
  void leaderChanged() {
    if (shutdown_ || (id_.empty() && !mayRegister_)) return;
    // Already on its way to this leader (a backoff timer fired before its
    // turn in announceLeader()).
    if (stream_ && epoch_ == fleet_.leaderEpoch) return;
    reconnectTimer_.cancel();
    watchdog_.cancel();
    stream_.reset();
    registered_ = false;
    backoff_ = std::chrono::milliseconds(100);
    connect();
  }

  // Its turn to register for the first time (--register_rate).
  void allowRegistration() {
    mayRegister_ = true;
    if (!fleet_.leader.host.empty()) leaderChanged();
  }

  // Re-sends the unacknowledged updates that are due (all of them with
  // `all`, on registration), each next after twice its last interval.
  void retryUpdates(bool all = false) {
    if (!registered_) return;
    auto now = std::chrono::steady_clock::now();
    for (auto& [key, task] : tasks_) {
      if (task.unackedUuid.empty() || (!all && now < task.retryAt)) continue;
      task.retryInterval = std::min(task.retryInterval * 2, kMaxRetryInterval);
      task.retryAt = now + task.retryInterval;
      sendUpdate(key.first, task);
    }
  }

 private:
  void connect() {
    if (shutdown_) return;
    master_ = fleet_.leader;
    epoch_ = fleet_.leaderEpoch;
    AgentCall call;
    call.set_type(AgentCall::REGISTER);
    auto* reg = call.mutable_register_();
    *reg->mutable_agent_info() = info_;
    if (!id_.empty()) reg->mutable_agent_info()->mutable_id()->set_value(id_);
    reg->set_protocol_version(1);
    reg->set_version(TEPUI_VERSION);
    for (auto& [fid, info] : frameworks_) *reg->add_frameworks() = info;
    for (auto& [key, t] : tasks_) {
      v1::Task* task = reg->add_tasks();
      task->set_name(t.info.name());
      *task->mutable_task_id() = t.info.task_id();
      task->mutable_framework_id()->set_value(key.first);
      task->mutable_agent_id()->set_value(id_);
      task->set_state(t.state);
      *task->mutable_resources() = t.info.resources();
    }
    reportedTasks_ = tasks_.size();
    decoder_ = http::recordio::Decoder();
    http::StreamCallbacks callbacks;
    callbacks.onData = [this](std::string_view data) { onData(data); };
    callbacks.onEnd = [this](const Status&) {
      registered_ = false;
      reconnectLater();
    };
    auto& client = *fleet_.streamClients[static_cast<size_t>(index_) % fleet_.streamClients.size()];
    stream_ = client.openStream(master_, http::apiRequest("/internal/agent", call, codec::ContentType::PROTOBUF, true),
                                std::move(callbacks));
  }

  void reconnectLater() {
    if (shutdown_) return;
    watchdog_.cancel();
    stream_.reset();
    reconnectTimer_.expires_after(backoff_);
    reconnectTimer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) connect();
    });
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  }

  void resetWatchdog() {
    watchdog_.expires_after(std::chrono::milliseconds(static_cast<int64_t>(pingInterval_ * 5000)));
    watchdog_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      registered_ = false;
      reconnectLater();
    });
  }

  void onData(std::string_view data) {
    std::vector<std::string> records;
    if (!decoder_.feed(data, records)) {
      registered_ = false;
      return reconnectLater();
    }
    for (auto& record : records) {
      AgentEvent event;
      if (!event.ParseFromString(record)) continue;
      resetWatchdog();
      handle(event);
      if (shutdown_) return;
    }
  }

  void handle(const AgentEvent& event) {
    switch (event.type()) {
      case AgentEvent::REGISTERED:
        id_ = event.registered().agent_id().value();
        session_ = event.registered().session();
        if (event.registered().ping_interval_seconds() > 0) pingInterval_ = event.registered().ping_interval_seconds();
        registered_ = true;
        backoff_ = std::chrono::milliseconds(100);
        fleet_.registered(epoch_, reportedTasks_);
        retryUpdates(true);
        break;
      case AgentEvent::PING: {
        AgentCall pong;
        pong.set_type(AgentCall::PONG);
        send(std::move(pong));
        break;
      }
      case AgentEvent::RUN_TASK: run(event.run_task()); break;
      case AgentEvent::ACKNOWLEDGE: acknowledged(event.acknowledge()); break;
      case AgentEvent::KILL_TASK: {
        auto it = tasks_.find({event.kill_task().framework_id().value(), event.kill_task().task_id().value()});
        if (it != tasks_.end()) update(it->first.first, it->second, v1::TASK_KILLED);
        break;
      }
      case AgentEvent::SHUTDOWN_FRAMEWORK:
        for (auto& [key, task] : tasks_) {
          if (key.first == event.shutdown_framework().framework_id().value()) update(key.first, task, v1::TASK_KILLED);
        }
        break;
      case AgentEvent::SHUTDOWN:
        std::cerr << "failover_fleet: agent " << id_ << " told to shut down: " << event.shutdown().message() << "\n";
        shutdown_ = true;
        registered_ = false;
        reconnectTimer_.cancel();
        watchdog_.cancel();
        stream_.reset();
        break;
      default: break;  // nothing else concerns an agent that runs no executors
    }
  }

  void run(const AgentEvent::RunTask& run) {
    const std::string& fid = run.framework_info().id().value();
    frameworks_[fid] = run.framework_info();
    auto [it, created] = tasks_.try_emplace({fid, run.task().task_id().value()});
    if (!created) return;
    it->second.info = run.task();
    fleet_.tasksLaunched++;
    update(fid, it->second, v1::TASK_RUNNING);
  }

  void update(const std::string& frameworkId, SimTask& task, v1::TaskState state) {
    task.state = state;
    task.unackedUuid = ids::uuidBytes();
    task.retryInterval =
        std::chrono::milliseconds(static_cast<int64_t>(fleet_.options.statusUpdateRetryInterval * 1000));
    task.retryAt = std::chrono::steady_clock::now() + task.retryInterval;
    sendUpdate(frameworkId, task);
  }

  void sendUpdate(const std::string& frameworkId, const SimTask& task) {
    AgentCall call;
    call.set_type(AgentCall::STATUS_UPDATE);
    auto* u = call.mutable_status_update();
    u->mutable_framework_id()->set_value(frameworkId);
    v1::TaskStatus* status = u->mutable_status();
    *status->mutable_task_id() = task.info.task_id();
    status->set_state(task.state);
    status->set_source(v1::TaskStatus::SOURCE_EXECUTOR);
    status->mutable_agent_id()->set_value(id_);
    status->set_timestamp(unixSeconds());
    status->set_uuid(task.unackedUuid);
    u->set_latest_state(task.state);
    send(std::move(call));
  }

  void acknowledged(const AgentEvent::Acknowledge& ack) {
    auto it = tasks_.find({ack.framework_id().value(), ack.task_id().value()});
    if (it == tasks_.end() || it->second.unackedUuid != ack.uuid()) return;
    it->second.unackedUuid.clear();
    if (it->second.state == v1::TASK_RUNNING) {
      if (++fleet_.tasksRunning == fleet_.tasksLaunched) {
        report("tasks_running", "tasks=" + std::to_string(fleet_.tasksRunning));
      }
    } else {
      fleet_.tasksRunning--;
      tasks_.erase(it);
    }
  }

  void send(AgentCall call) {
    if (!registered_) return;  // updates are re-sent on registration
    call.mutable_agent_id()->set_value(id_);
    call.set_session(session_);
    auto request = http::apiRequest("/internal/agent", call, codec::ContentType::PROTOBUF);
    auto done = [this](Result<http::Response> response) {
      if (response && response->status == 403 && registered_) {
        registered_ = false;  // the master does not know this session
        reconnectLater();
      }
    };
    if (ownClient_) return ownClient_->request(master_, std::move(request), std::move(done));
    fleet_.sharedCalls.submit(master_, std::move(request), std::move(done));
  }

  FleetState& fleet_;
  int index_;
  v1::AgentInfo info_;
  std::unique_ptr<http::Client> ownClient_;  // --own_call_pool
  std::shared_ptr<http::ClientStream> stream_;
  http::recordio::Decoder decoder_;
  Timer reconnectTimer_, watchdog_;
  std::chrono::milliseconds backoff_{100};
  http::Endpoint master_;
  int epoch_ = 0;
  size_t reportedTasks_ = 0;
  std::string id_, session_;
  double pingInterval_ = 15;
  bool registered_ = false, shutdown_ = false, mayRegister_ = false;
  std::map<std::string, v1::FrameworkInfo> frameworks_;
  std::map<std::pair<std::string, std::string>, SimTask> tasks_;  // by (framework id, task id)
};

// Lets `perTick` more agents register for the first time every 10 ms.
void allowRegistrations(Timer& timer, std::vector<std::unique_ptr<SimAgent>>& agents, size_t next, size_t perTick) {
  for (size_t end = std::min(agents.size(), next + perTick); next < end; ++next) agents[next]->allowRegistration();
  if (next == agents.size()) return;
  timer.expires_after(std::chrono::milliseconds(10));
  timer.async_wait([&timer, &agents, next, perTick](const boost::system::error_code& ec) {
    if (!ec) allowRegistrations(timer, agents, next, perTick);
  });
}

// Tells the agents that the leader changed, kAgentsPerTurn per turn of the
// loop, each turn posted after the last: in between the loop sends the
// REGISTERs of the agents whose connection is up. All 10,000 in one turn
// sent nothing until the last REGISTER was built (5 s on the loaded 2-core
// machine, bench/README.md session 8), where real agents each send theirs
// as soon as they hear. Stops when a newer leader started its own round.
constexpr size_t kAgentsPerTurn = 64;

void announceLeader(FleetState& fleet, std::vector<std::unique_ptr<SimAgent>>& agents, size_t next, int epoch) {
  if (epoch != fleet.leaderEpoch) return;
  for (size_t end = std::min(agents.size(), next + kAgentsPerTurn); next < end; ++next) agents[next]->leaderChanged();
  if (next == agents.size()) {
    // Every REGISTER built and its connection begun (the fleet's own share).
    return report("registers_issued", "leader=" + fleet.leader.str());
  }
  boost::asio::post(fleet.io, [&fleet, &agents, next, epoch] { announceLeader(fleet, agents, next, epoch); });
}

// Re-sends the updates that are due, every second.
void retryEvery(Timer& timer, std::vector<std::unique_ptr<SimAgent>>& agents) {
  timer.expires_after(std::chrono::seconds(1));
  timer.async_wait([&timer, &agents](const boost::system::error_code& ec) {
    if (ec) return;
    for (auto& a : agents) a->retryUpdates();
    retryEvery(timer, agents);
  });
}

}  // namespace

int main(int argc, char** argv) {
  logging::setLevel(logging::Level::WARNING);
  Options o;
  FlagSet flags(
      "Usage: bench_failover_fleet --zk=zk://HOST:PORT/PATH --agents=N [--resources=...]\n\n"
      "N simulated agents that follow the leading master through ZooKeeper (bench/README.md, \"Master failover\").");
  flags.add("zk", &o.zk, "The masters' election: zk://host:port/path");
  flags.add("zk_session_timeout", &o.zkSessionTimeout, "ZooKeeper session timeout of the fleet's watch, seconds");
  flags.add("agents", &o.agents, "How many agents to simulate");
  flags.add("resources", &o.resources, "Each agent's resources");
  flags.add("hostname_prefix", &o.hostPrefix, "Agent i's hostname is this followed by i");
  flags.add("own_call_pool", &o.ownCallPool,
            "Each agent its own keep-alive pool for its calls, as `tepui agent` (two sockets per agent)");
  flags.add("shared_pool_connections", &o.sharedPoolConnections,
            "Without --own_call_pool: the most calls (and sockets) the agents' shared pool has in flight");
  flags.add("source_addresses", &o.sourceAddresses,
            "How many loopback addresses (127.0.0.2 on) the agents' event streams connect from, spread evenly; 0 = "
            "the kernel's choice. Only for a master on loopback");
  flags.add("register_rate", &o.registerRate,
            "Agents per second that register for the first time (setup pacing; 0 = all at once). Registering "
            "again, after a leader change, is never paced");
  flags.add("status_update_retry_interval", &o.statusUpdateRetryInterval,
            "Seconds before an unacknowledged status update is sent again (doubling each time)");
  auto parsed = flags.parse(argc, argv);
  if (!parsed || o.zk.empty() || o.agents < 1 || o.sourceAddresses < 0 || o.sourceAddresses > 250) {
    std::cerr << "failover_fleet: "
              << (parsed ? "need --zk, --agents >= 1 and 0 <= --source_addresses <= 250" : parsed.error().message)
              << "\n";
    return 2;
  }
  auto resources = Resources::parse(o.resources);
  if (!resources) {
    std::cerr << "failover_fleet: bad --resources: " << resources.error().message << "\n";
    return 2;
  }
  // A socket per agent for its event stream (and one for its calls with
  // --own_call_pool), plus the shared pool's, ZooKeeper's and some slack.
  rlim_t wanted = (o.ownCallPool ? 2 : 1) * static_cast<rlim_t>(o.agents) + 1024;
  if (rlim_t got = bench::raiseFileLimit(wanted); got < wanted) {
    std::cerr << "failover_fleet: RLIMIT_NOFILE is " << got << ", below the " << wanted << " needed\n";
    return 1;
  }

  boost::asio::io_context io;
  http::Client sharedClient(io);
  CallQueue sharedCalls(sharedClient, static_cast<size_t>(std::max(1, o.sharedPoolConnections)));
  std::vector<std::unique_ptr<http::Client>> streamClients;
  for (int k = 0; k < std::max(1, o.sourceAddresses); ++k) {
    http::ClientOptions from;
    if (o.sourceAddresses > 0) from.sourceAddress = "127.0.0." + std::to_string(2 + k);
    streamClients.push_back(std::make_unique<http::Client>(io, std::move(from)));
  }
  FleetState fleet{io, o, {}, streamClients, sharedCalls, {}};
  resources->copyTo(&fleet.resources);
  std::vector<std::unique_ptr<SimAgent>> agents;
  agents.reserve(o.agents);
  for (int i = 0; i < o.agents; ++i) agents.push_back(std::make_unique<SimAgent>(fleet, i));

  Timer pacing(io);
  allowRegistrations(
      pacing, agents, 0,
      o.registerRate > 0 ? std::max<size_t>(1, static_cast<size_t>(o.registerRate / 100)) : agents.size());
  Timer retry(io);
  retryEvery(retry, agents);
  report("fleet_started", "agents=" + std::to_string(o.agents));
  return bench::followLeaderAndRun(io, "failover_fleet", o.zk, o.zkSessionTimeout, [&](const http::Endpoint& leader) {
    fleet.leader = leader;
    fleet.leaderEpoch++;
    fleet.registeredWithLeader = 0;
    fleet.tasksReported = 0;
    announceLeader(fleet, agents, 0, fleet.leaderEpoch);
  });
}
