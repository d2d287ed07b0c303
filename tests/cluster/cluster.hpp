// In-process cluster for tests: a real master and real agents, each on its
// own event-loop thread (as `tepui local` runs them), real executors
// (the tepui binary) and real processes, and schedulers that speak the v1
// HTTP API through SchedulerClient on loopback. Ports are picked by the OS.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "agent/agent.hpp"
#include "cli/in_process.hpp"
#include "common/resources.hpp"
#include "common/task_states.hpp"
#include "master/master.hpp"
#include "scheduler/scheduler_client.hpp"
#include "support/eventually.hpp"

namespace tepui::testing {

using namespace std::chrono_literals;
using Event = v1::scheduler::Event;

class Cluster {
 public:
  explicit Cluster(master::MasterFlags masterFlags = {}) {
    workDir_ = std::filesystem::temp_directory_path() /
               ("tepui-cluster-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    masterFlags.ip = "127.0.0.1";
    masterFlags.port = 0;
    masterFlags.hostname = "127.0.0.1";
    auto s =
        master_.start("master", [&](boost::asio::io_context& io) { return master::Master::create(io, masterFlags); });
    if (!s) throw std::runtime_error(s.error().message);
    masterEndpoint_ = {"127.0.0.1", master_->port()};
  }

  ~Cluster() {
    agents_.clear();
    master_.stop();
    std::error_code ec;
    std::filesystem::remove_all(workDir_, ec);
  }

  // Starts an agent; returns its index.
  size_t addAgent(const std::string& resources = "cpus:4;mem:4096;disk:1024;ports:[31000-31100]",
                  std::function<void(agent::AgentFlags&)> tweak = {}) {
    agent::AgentFlags flags;
    flags.master = masterEndpoint_.str();
    flags.ip = "127.0.0.1";
    flags.port = 0;
    flags.hostname = "127.0.0.1";
    flags.resources = resources;
    flags.launcher = TEPUI_BINARY;
    flags.work_dir = (workDir_ / ("agent-" + std::to_string(agents_.size()))).string();
    if (tweak) tweak(flags);
    auto a = std::make_unique<cli::InProcess<agent::Agent>>();
    auto s = a->start("agent", [&](boost::asio::io_context& io) { return agent::Agent::create(io, flags); });
    if (!s) throw std::runtime_error(s.error().message);
    agents_.push_back(std::move(a));
    return agents_.size() - 1;
  }

  cli::InProcess<agent::Agent>& agent(size_t i) { return *agents_.at(i); }
  // Whether agent i is registered with the master within a few seconds.
  bool agentRegistered(size_t i) {
    return eventually([&] { return agent(i).call([](agent::Agent& a) { return a.registered(); }); });
  }
  cli::InProcess<master::Master>& master() { return master_; }
  const http::Endpoint& masterEndpoint() const { return masterEndpoint_; }
  const std::filesystem::path& workDir() const { return workDir_; }

  // GET on the master, returning the body (empty on failure).
  std::string get(const std::string& path) {
    http::Request r;
    r.method = "GET";
    r.target = path;
    auto response = http::fetch(masterEndpoint_, r);
    return response && response->status == 200 ? response->body : "";
  }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path workDir_;
  cli::InProcess<master::Master> master_;
  http::Endpoint masterEndpoint_;
  std::vector<std::unique_ptr<cli::InProcess<agent::Agent>>> agents_;
};

// A master work dir that outlives one Cluster, for tests of what a
// restarted master recovers from its registry; removed at the end.
class MasterWorkDir {
 public:
  explicit MasterWorkDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / ("tepui-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
  }
  ~MasterWorkDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  master::MasterFlags flags() const {
    master::MasterFlags f;
    f.work_dir = path_.string();
    return f;
  }

 private:
  std::filesystem::path path_;
};

// A framework driven by the test thread: its SchedulerClient lives on its
// own loop thread; events are queued for the test to wait on.
class TestScheduler {
 public:
  TestScheduler(const http::Endpoint& master, v1::FrameworkInfo info) {
    if (!info.has_user()) info.set_user("root");
    if (!info.has_name()) info.set_name("cluster-test");
    client_ = std::make_unique<scheduler::SchedulerClient>(
        io_, master, info,
        scheduler::SchedulerClient::Callbacks{[this](const Event& e) { push(e); },
                                              [this](const std::string& why) { pushDisconnect(why); }});
    thread_ = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
  }

  ~TestScheduler() {
    run([](scheduler::SchedulerClient& c) { c.close(); });
    io_.stop();
    thread_.join();
  }

  // Runs fn(client) on the scheduler's loop and waits for it.
  void run(std::function<void(scheduler::SchedulerClient&)> fn) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      fn(*client_);
      done.set_value();
    });
    done.get_future().get();
  }

  void subscribe() {
    run([](auto& c) { c.subscribe(); });
    frameworkId_ = next(Event::SUBSCRIBED).subscribed().framework_id().value();
  }

  // The next event of one of `types` (any if empty), or nothing after
  // `timeout`. Events of other types stay queued, in order, for a later
  // call.
  std::optional<Event> poll(std::initializer_list<Event::Type> types, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto wanted = [&](const Event& e) {
      return types.size() == 0 || std::find(types.begin(), types.end(), e.type()) != types.end();
    };
    size_t scanned = 0;
    while (true) {
      for (; scanned < events_.size(); ++scanned) {
        if (!wanted(events_[scanned])) continue;
        Event e = std::move(events_[scanned]);
        events_.erase(events_.begin() + static_cast<std::ptrdiff_t>(scanned));
        return e;
      }
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) return std::nullopt;
    }
  }

  // As poll(), but failing the test on timeout.
  Event next(std::initializer_list<Event::Type> types = {}, std::chrono::milliseconds timeout = 20s) {
    auto e = poll(types, timeout);
    if (!e) {
      ADD_FAILURE() << "timed out waiting for an event";
      return {};
    }
    return *e;
  }
  Event next(Event::Type type, std::chrono::milliseconds timeout = 20s) { return next({type}, timeout); }

  // Waits for an UPDATE of `taskId` in `state`, acknowledging every update
  // on the way (unless ack is false).
  v1::TaskStatus waitFor(const std::string& taskId, v1::TaskState state, bool ack = true,
                         std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      Event e =
          next(Event::UPDATE,
               std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
      if (!e.has_update()) break;
      const auto& s = e.update().status();
      if (ack) acknowledge(s);
      if (s.task_id().value() == taskId && s.state() == state) return s;
    }
    ADD_FAILURE() << "task " << taskId << " never reached " << v1::TaskState_Name(state);
    return {};
  }

  void acknowledge(const v1::TaskStatus& s) {
    run([s](auto& c) { c.acknowledge(s); });
  }

  // Launches tasks on the first offer that arrives; returns that offer.
  v1::Offer launch(const std::vector<v1::TaskInfo>& tasks, std::optional<double> refuse = std::nullopt) {
    Event e = next(Event::OFFERS);
    if (!e.has_offers() || e.offers().offers_size() == 0) return {};
    v1::Offer offer = e.offers().offers(0);
    v1::Offer::Operation op;
    op.set_type(v1::Offer::Operation::LAUNCH);
    for (auto t : tasks) {
      *t.mutable_agent_id() = offer.agent_id();
      *op.mutable_launch()->add_task_infos() = t;
    }
    run([&](auto& c) { c.accept({offer.id()}, {op}, refuse); });
    return offer;
  }

  // Launches one task group through `executor` on the first offer that
  // arrives; returns that offer.
  v1::Offer launchGroup(v1::ExecutorInfo executor, const std::vector<v1::TaskInfo>& tasks,
                        std::optional<double> refuse = std::nullopt) {
    Event e = next(Event::OFFERS);
    if (!e.has_offers() || e.offers().offers_size() == 0) return {};
    launchGroupOn(e.offers().offers(0), std::move(executor), tasks, refuse);
    return e.offers().offers(0);
  }

  void launchGroupOn(const v1::Offer& offer, v1::ExecutorInfo executor, const std::vector<v1::TaskInfo>& tasks,
                     std::optional<double> refuse = std::nullopt) {
    v1::Offer::Operation op;
    op.set_type(v1::Offer::Operation::LAUNCH_GROUP);
    *executor.mutable_framework_id() = offer.framework_id();
    *op.mutable_launch_group()->mutable_executor() = std::move(executor);
    op.mutable_launch_group()->mutable_task_group();  // present even when empty
    for (auto t : tasks) {
      *t.mutable_agent_id() = offer.agent_id();
      *op.mutable_launch_group()->mutable_task_group()->add_tasks() = t;
    }
    run([&](auto& c) { c.accept({offer.id()}, {op}, refuse); });
  }

  // Acknowledges every update until each of `taskIds` has reached a
  // terminal state; returns the states each went through, in order.
  std::map<std::string, std::vector<v1::TaskStatus>> untilTerminal(const std::set<std::string>& taskIds,
                                                                   std::chrono::milliseconds timeout = 30s) {
    std::map<std::string, std::vector<v1::TaskStatus>> seen;
    std::set<std::string> open = taskIds;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!open.empty() && std::chrono::steady_clock::now() < deadline) {
      auto e = poll({Event::UPDATE},
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
      if (!e) break;
      const auto& s = e->update().status();
      acknowledge(s);
      seen[s.task_id().value()].push_back(s);
      if (isTerminalState(s.state())) open.erase(s.task_id().value());
    }
    for (auto& id : open) ADD_FAILURE() << "task " << id << " did not reach a terminal state";
    return seen;
  }

  // Acknowledges updates until every one of `ids` is TASK_RUNNING; whether
  // they all got there within 20 s.
  bool untilRunning(std::set<std::string> ids) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!ids.empty() && std::chrono::steady_clock::now() < deadline) {
      auto e = poll({Event::UPDATE}, 1s);
      if (!e) continue;
      acknowledge(e->update().status());
      if (e->update().status().state() == v1::TASK_RUNNING) ids.erase(e->update().status().task_id().value());
    }
    return ids.empty();
  }

  bool disconnected() {
    std::lock_guard lock(mutex_);
    return !disconnects_.empty();
  }
  const std::string& frameworkId() const { return frameworkId_; }

 private:
  void push(const Event& e) {
    std::lock_guard lock(mutex_);
    events_.push_back(e);
    cv_.notify_all();
  }
  void pushDisconnect(const std::string& why) {
    std::lock_guard lock(mutex_);
    disconnects_.push_back(why);
    cv_.notify_all();
  }

  boost::asio::io_context io_;
  std::unique_ptr<scheduler::SchedulerClient> client_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Event> events_;
  std::vector<std::string> disconnects_;
  std::string frameworkId_;
};

// GET on any daemon of the cluster: the response (a test failure, and
// status 0, when it cannot be reached).
inline http::Response httpGet(const http::Endpoint& endpoint, const std::string& path) {
  http::Request r;
  r.method = "GET";
  r.target = path;
  auto response = http::fetch(endpoint, r);
  EXPECT_TRUE(response.ok()) << path << ": " << response.error().message;
  return response ? *response : http::Response{};
}

inline v1::TaskInfo commandTask(const std::string& id, const std::string& command, double cpus = 0.1, double mem = 32) {
  v1::TaskInfo t;
  t.set_name(id);
  t.mutable_task_id()->set_value(id);
  t.mutable_agent_id()->set_value("");
  t.mutable_command()->set_value(command);
  Resources::parse("cpus:" + std::to_string(cpus) + ";mem:" + std::to_string(mem))->copyTo(t.mutable_resources());
  return t;
}

// A DEFAULT executor for task groups, with the resources Mesos asks of one.
inline v1::ExecutorInfo defaultExecutor(const std::string& id) {
  v1::ExecutorInfo e;
  e.set_type(v1::ExecutorInfo::DEFAULT);
  e.mutable_executor_id()->set_value(id);
  Resources::parse("cpus:0.1;mem:32")->copyTo(e.mutable_resources());
  return e;
}

// A task run by a CUSTOM executor `executorId`: `command` run through the
// shell, which is the executor (whether it speaks the executor API or not).
inline v1::TaskInfo customExecutorTask(const std::string& id, const std::string& executorId,
                                       const std::string& command) {
  v1::TaskInfo t = commandTask(id, "");
  t.clear_command();
  v1::ExecutorInfo* e = t.mutable_executor();
  e->mutable_executor_id()->set_value(executorId);
  e->mutable_command()->set_value(command);
  Resources::parse("cpus:0.1;mem:32")->copyTo(e->mutable_resources());
  return t;
}

inline v1::FrameworkInfo frameworkInfo(const std::string& name,
                                       std::vector<v1::FrameworkInfo::Capability::Type> caps = {},
                                       double failoverTimeout = 0) {
  v1::FrameworkInfo info;
  info.set_user("root");
  info.set_name(name);
  info.set_failover_timeout(failoverTimeout);
  for (auto c : caps) info.add_capabilities()->set_type(c);
  return info;
}

}  // namespace tepui::testing
