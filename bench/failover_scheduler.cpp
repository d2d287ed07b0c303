// bench_failover_scheduler: the v1 framework of the master failover
// benchmark (bench/README.md, "Master failover"; driven by
// bench/failover_bench.py), on SchedulerClient.
//
// It follows the leading master through the election in ZooKeeper (as a
// Mesos scheduler driver with a zk:// master does) and subscribes to it
// with failover_timeout --failover_timeout. Setup: it launches
// --tasks_per_agent tasks (`sleep`, --cpus and --mem each) on each of
// --agents agents, all of an agent's tasks in one ACCEPT, with at most
// --launch_window tasks launched and not yet RUNNING (the offers wait their
// turn: 100,000 tasks launched at once kept the master so busy that agents'
// pongs went unanswered for 75 s and it marked them unreachable), declines
// whatever else it is offered with a long filter, and acknowledges every
// update.
// Once all tasks are RUNNING it reports `ready`. When the leader changes it
// resubscribes to the new one with its framework id at once, and reports
// `subscribed`, its first OFFERS after that (`first_offer`) and, once every
// task was reported to it again, `tasks_reported`: as a Mesos framework
// does after a failover, it asks the new leader about the tasks not yet
// confirmed RUNNING (explicit reconciliation, with their agent ids) after
// --reconcile_interval, then after twice as long each time up to
// --reconcile_max_interval, until all are (as Mesos advises: each round of
// 100,000 tasks is work for the master while agents re-register). While the stream is down and no new leader is
// named it retries the same master every second.
//
// Prints EVENT lines (failover_common.hpp).
#include <pwd.h>
#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <iostream>
#include <map>
#include <set>

#include "bench_task.hpp"
#include "common/flags.hpp"
#include "common/logging.hpp"
#include "failover_common.hpp"
#include "scheduler/scheduler_client.hpp"

namespace {

using namespace tepui;
using bench::fillCommandTask;
using bench::report;
using Event = v1::scheduler::Event;
using Call = v1::scheduler::Call;

struct Options {
  std::string zk;
  double zkSessionTimeout = 10;
  int agents = 10;
  int tasksPerAgent = 10;
  double cpus = 0.1;
  double mem = 32;
  std::string command = "sleep 100000";
  double failoverTimeout = 3600;
  double declineRefuse = 3600;
  int launchWindow = 2000;
  double reconcileInterval = 1;
  double reconcileMaxInterval = 4;
};

class FailoverScheduler {
 public:
  FailoverScheduler(boost::asio::io_context& io, Options options)
      : io_(io), options_(std::move(options)), retry_(io), reconcileTimer_(io) {
    info_.set_user(currentUser());
    info_.set_name("failover-bench");
    info_.set_failover_timeout(options_.failoverTimeout);
    info_.set_checkpoint(true);
  }

  void leaderIs(const http::Endpoint& leader) {
    leader_ = leader;
    if (client_) {
      if (!client_->frameworkId().empty()) info_.mutable_id()->set_value(client_->frameworkId());
      resubscribing_ = true;
      firstOfferSeen_ = false;
      reported_.clear();
    }
    subscribe();
  }

 private:
  void subscribe() {
    retry_.cancel();
    client_ = std::make_unique<scheduler::SchedulerClient>(
        io_, leader_, info_,
        scheduler::SchedulerClient::Callbacks{[this](const Event& e) { onEvent(e); },
                                              [this](const std::string& why) { onDisconnected(why); }});
    client_->subscribe();
    if (resubscribing_) report("resubscribe_sent", "leader=" + leader_.str());
  }

  void onDisconnected(const std::string& why) {
    report("disconnected", "leader=" + leader_.str() + " why=\"" + why + "\"");
    retry_.expires_after(std::chrono::seconds(1));
    retry_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) subscribe();
    });
  }

  void onEvent(const Event& e) {
    switch (e.type()) {
      case Event::SUBSCRIBED:
        info_.mutable_id()->set_value(e.subscribed().framework_id().value());
        report("subscribed", "leader=" + leader_.str() + " framework_id=" + e.subscribed().framework_id().value());
        reconcileWait_ = options_.reconcileInterval;
        if (resubscribing_) reconcileUnconfirmed();
        break;
      case Event::OFFERS: onOffers(e.offers()); break;
      case Event::UPDATE: onUpdate(e.update().status()); break;
      case Event::ERROR: report("error", "message=\"" + e.error().message() + "\""); break;
      default: break;
    }
  }

  void onOffers(const Event::Offers& offers) {
    if (resubscribing_ && !firstOfferSeen_) {
      firstOfferSeen_ = true;
      report("first_offer", "leader=" + leader_.str() + " offers=" + std::to_string(offers.offers_size()));
    }
    std::vector<v1::OfferID> decline;
    for (auto& offer : offers.offers()) {
      int& launched = launchedOn_[offer.agent_id().value()];
      if (resubscribing_ || launched >= options_.tasksPerAgent) {
        decline.push_back(offer.id());
        continue;
      }
      launched = options_.tasksPerAgent;  // claimed by this offer, launched in turn
      waiting_.push_back(offer);
    }
    if (!decline.empty()) client_->decline(decline, options_.declineRefuse);
    pump();
  }

  // Launches the waiting offers' tasks while the window has room.
  void pump() {
    while (!waiting_.empty() && launchedCount_ - static_cast<int64_t>(running_.size()) < options_.launchWindow) {
      launch(waiting_.front(), options_.tasksPerAgent);
      launchedCount_ += options_.tasksPerAgent;
      waiting_.pop_front();
    }
  }

  void launch(const v1::Offer& offer, int count) {
    v1::Offer::Operation op;
    op.set_type(v1::Offer::Operation::LAUNCH);
    for (int i = 0; i < count; ++i) {
      fillCommandTask(op.mutable_launch()->add_task_infos(), "failover-bench",
                      offer.agent_id().value() + "-t" + std::to_string(i), offer, options_.cpus, options_.mem,
                      options_.command);
    }
    client_->accept({offer.id()}, {op}, options_.declineRefuse);
  }

  void onUpdate(const v1::TaskStatus& status) {
    client_->acknowledge(status);
    const std::string& task = status.task_id().value();
    if (resubscribing_) {
      if (status.state() == v1::TASK_RUNNING && running_.contains(task) && reported_.insert(task).second &&
          reported_.size() == running_.size()) {
        reconcileTimer_.cancel();
        report("tasks_reported", "tasks=" + std::to_string(reported_.size()));
      }
      return;
    }
    if (status.state() != v1::TASK_RUNNING) {
      if (status.state() != v1::TASK_STARTING)
        report("task_not_running", task + " " + v1::TaskState_Name(status.state()));
      return;
    }
    if (!running_.emplace(task, status.agent_id().value()).second) return;
    if (running_.size() == size_t(options_.agents) * options_.tasksPerAgent) {
      report("ready", "framework_id=" + info_.id().value() + " tasks=" + std::to_string(running_.size()));
    }
    pump();
  }

  // Asks the leader about every task not yet reported RUNNING by it, then
  // again after reconcileWait_ (doubling) while any is left.
  void reconcileUnconfirmed() {
    std::vector<std::pair<v1::TaskID, std::optional<v1::AgentID>>> tasks;
    for (const auto& [task, agent] : running_) {
      if (reported_.contains(task)) continue;
      auto& item = tasks.emplace_back();
      item.first.set_value(task);
      item.second.emplace().set_value(agent);
    }
    if (tasks.empty()) return;
    client_->reconcile(tasks);
    reconcileTimer_.expires_after(std::chrono::milliseconds(static_cast<int64_t>(reconcileWait_ * 1000)));
    reconcileWait_ = std::min(reconcileWait_ * 2, options_.reconcileMaxInterval);
    reconcileTimer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) reconcileUnconfirmed();
    });
  }

  static std::string currentUser() {
    struct passwd* pw = getpwuid(geteuid());
    return pw ? pw->pw_name : "root";
  }

  boost::asio::io_context& io_;
  Options options_;
  v1::FrameworkInfo info_;
  http::Endpoint leader_;
  std::unique_ptr<scheduler::SchedulerClient> client_;
  boost::asio::steady_timer retry_;
  boost::asio::steady_timer reconcileTimer_;
  double reconcileWait_ = 1;  // seconds before the next round of reconciliation
  bool resubscribing_ = false, firstOfferSeen_ = false;
  std::map<std::string, int> launchedOn_;  // tasks launched (or waiting to be) per agent id
  std::deque<v1::Offer> waiting_;          // offers whose tasks wait for room in the window
  int64_t launchedCount_ = 0;
  std::map<std::string, std::string> running_;  // task id -> agent id: RUNNING before the failover
  std::set<std::string> reported_;              // task ids reported by the new leader
};

}  // namespace

int main(int argc, char** argv) {
  logging::setLevel(logging::Level::WARNING);
  Options o;
  FlagSet flags(
      "Usage: bench_failover_scheduler --zk=zk://HOST:PORT/PATH --agents=N [--tasks_per_agent=K]\n\n"
      "The framework of the master failover benchmark (bench/README.md, \"Master failover\").");
  flags.add("zk", &o.zk, "The masters' election: zk://host:port/path");
  flags.add("zk_session_timeout", &o.zkSessionTimeout, "ZooKeeper session timeout of the watch, seconds");
  flags.add("agents", &o.agents, "Agents to launch tasks on");
  flags.add("tasks_per_agent", &o.tasksPerAgent, "Tasks to launch on each agent");
  flags.add("cpus", &o.cpus, "CPUs per task");
  flags.add("mem", &o.mem, "Memory per task, MB");
  flags.add("command", &o.command, "Shell command of each task");
  flags.add("launch_window", &o.launchWindow, "Most tasks launched and not yet RUNNING");
  flags.add("failover_timeout", &o.failoverTimeout, "The framework's failover timeout, seconds");
  flags.add("decline_refuse", &o.declineRefuse, "refuse_seconds for declined offers and leftovers");
  flags.add("reconcile_interval", &o.reconcileInterval,
            "After a failover: seconds before reconciling again the tasks not yet reported RUNNING (doubling)");
  flags.add("reconcile_max_interval", &o.reconcileMaxInterval, "The most --reconcile_interval doubles to, seconds");
  auto parsed = flags.parse(argc, argv);
  if (!parsed || o.zk.empty() || o.agents < 1 || o.tasksPerAgent < 1) {
    std::cerr << "failover_scheduler: "
              << (parsed ? "need --zk, --agents >= 1, --tasks_per_agent >= 1" : parsed.error().message) << "\n";
    return 2;
  }
  boost::asio::io_context io;
  FailoverScheduler scheduler(io, o);
  return bench::followLeaderAndRun(io, "failover_scheduler", o.zk, o.zkSessionTimeout,
                                   [&](const http::Endpoint& leader) { scheduler.leaderIs(leader); });
}
