// The services scheduler's logic for one leadership term: it keeps every
// app's instances converging to what the app and its deployment ask for,
// launches scheduled instances on offers, follows their status updates and
// health, and runs deployments step by step.
//
// Contract:
// - Durability first: an instance is written to the repository as
//   scheduled, then as launched (with its agent and ports) BEFORE the offer
//   is accepted; a status update is acknowledged only once its effect is
//   durable. So a new leader never launches an instance twice nor forgets
//   one: it loads the instances, reconciles their tasks with the master,
//   and converges from there.
// - Convergence (convergence.hpp) decides per app what to schedule, kill
//   and expunge. An app held by a deployment converges to the deployment's
//   goal for it: before its step, what it was (a new app: no instances);
//   from its step on, its new definition, replacing old-config instances
//   within its upgrade strategy. An app no deployment holds is only scaled
//   (its instances are never restarted behind the user's back).
// - Launch backoff (launch_delay.hpp) per app version on failures; killed
//   instances do not count.
// - Unreachable instances: replaced after inactiveAfterSeconds, expunged
//   (killed if they come back) after expungeAfterSeconds.
// - Placement: constraints (placement.hpp) over the agents of the app's
//   counted instances, offer matching (offer_match.hpp) with several
//   instances per offer.
// - A deployment ends succeeded (every step complete), failed (its progress
//   deadline passed with no progress: rolled back when the apps ask for it),
//   or canceled; the result of recent ones is kept for `GET
//   /v2/deployments/{id}` and `--wait`.
// - Health: agent-run checks come in status updates; the checks the leader
//   runs itself (apps with several HTTP/TCP checks) are probed by a
//   HealthProber (health_prober.hpp) for the running instances launched
//   with such checks (the app's current config, or the one a running
//   deployment replaces). An instance is healthy only when all its checks
//   pass. One that fails maxConsecutiveFailures probes in a row is killed
//   and replaced, and the failure counts towards the launch backoff.
// - Events (event_bus.hpp) for every change the Marathon-compatible event
//   stream names.
//
// Threading: the daemon's loop only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "frameworks/framework_link.hpp"
#include "services/app.hpp"
#include "services/constraints.hpp"
#include "services/convergence.hpp"
#include "services/deployment.hpp"
#include "services/group.hpp"
#include "services/health_probe.hpp"
#include "services/health_prober.hpp"
#include "services/instance.hpp"
#include "services/launch_delay.hpp"
#include "services/offer_match.hpp"
#include "services/placement.hpp"
#include "services/services.hpp"
#include "services/state.hpp"

namespace tepui::services {

struct SchedulerOptions {
  std::string defaultUser;  // tasks' user when the app names none
  std::string envPrefix;
  size_t maxInstancesPerOffer = 100;
  double declineSeconds = 120;     // an offer nothing needed
  double retryDeclineSeconds = 1;  // an offer that did not fit what waits
  double killRetrySeconds = 30;    // a KILL without an answer is sent again
  double reconcileSeconds = 600;   // a periodic explicit reconciliation
  size_t keptResults = 100;        // finished deployments remembered
};

// Why offers did not fit an app's scheduled instances (for /v2/queue).
struct OfferStats {
  uint64_t processed = 0, unused = 0;
  std::map<std::string, uint64_t> rejected;  // reason -> offers
  std::optional<double> lastUnusedAt;
};

struct TaskFailure {
  std::string appId, host, message, state, taskId, version, agentId;
  double timestamp = 0;
};

class AppScheduler {
 public:
  using Done = std::function<void(const Status&)>;

  AppScheduler(boost::asio::io_context& io, Leader& leader, SchedulerOptions options);
  ~AppScheduler();
  AppScheduler(const AppScheduler&) = delete;
  AppScheduler& operator=(const AppScheduler&) = delete;

  // Reads the apps, instances and deployments the repository holds, takes
  // the framework link's callbacks and starts converging.
  Status start();

  // What the API reads.
  const Group& root() const { return root_; }
  const std::map<std::string, AppDefinition>& apps() const { return apps_; }
  const AppDefinition* app(const std::string& id) const;
  const std::map<std::string, Instance>& instances() const { return instances_; }
  std::vector<const Instance*> instancesOf(const std::string& appId) const;
  const std::map<std::string, Deployment>& deployments() const { return deployments_; }
  // A running or finished deployment.
  const Deployment* deployment(const std::string& id) const;
  const std::deque<Deployment>& finished() const { return finished_; }
  // The ids of the running deployments that hold any of `appIds`.
  std::vector<std::string> conflicts(const std::vector<std::string>& appIds) const;
  std::optional<LaunchDelays::Delay> delay(const std::string& appId) const;
  const OfferStats* offerStats(const std::string& appId) const;
  const TaskFailure* lastFailure(const std::string& appId) const;
  double now() const;
  Repository& repository() { return leader_.repository; }

  // Changes. Each `done` runs once the change is durable (or failed).
  // Makes `target` the tree and starts `plan` (made from the current tree
  // to `target`); running deployments that hold any of its apps are
  // canceled (the API refuses such a conflict first unless forced).
  void deploy(Group target, const DeploymentPlan& plan, Done done);
  // DELETE /v2/deployments/{id}: without force, a rollback deployment
  // (returned; an empty id if nothing had changed) takes the apps back;
  // with force the deployment just stops.
  struct Rollback {
    std::string id, version;
  };
  void cancel(const std::string& id, bool force, std::function<void(Result<Rollback>)> done);
  // Kills instances (their apps then replace them unless the caller also
  // scales the apps down). With `wipe` their records are expunged in the
  // same write instead of waiting for the kill to end: the replacement is
  // not held back by an instance on an agent that never answers, and a
  // task of it that shows up later is killed as unknown.
  void killInstances(const std::vector<std::string>& ids, bool wipe, Done done);
  void resetDelay(const std::string& appId);

 private:
  // app_scheduler.cpp: convergence, kills, the periodic tick.
  AppGoal goalOf(const std::string& appId, const AppDefinition** definition) const;
  void converge(const std::string& appId, Repository::Change& change, std::vector<std::string>& kills);
  void convergeSoon(const std::string& appId);
  void convergeDirty();
  void tick();
  void sendKills(const std::vector<std::string>& ids);
  struct KillOrder {
    v1::TaskID task;
    std::optional<v1::AgentID> agent;
    std::optional<double> grace;
  };
  KillOrder killOrderOf(const std::string& id) const;
  void sendKills(const std::vector<KillOrder>& orders);
  void stopInstance(Instance& i, Repository::Change& change, std::vector<std::string>& kills);
  void updateOfferInterest();
  // app_scheduler_offers.cpp
  void onOffers(const std::vector<v1::Offer>& offers);
  std::vector<AgentFacts> placedAgents(const std::string& appId) const;
  // app_scheduler_updates.cpp
  void onUpdate(const v1::TaskStatus& status, FrameworkLink::Ack ack);
  void unknownTask(const v1::TaskStatus& status, FrameworkLink::Ack ack);
  FrameworkLink::TaskList tasksToReconcile() const;
  // app_scheduler_health.cpp
  const AppDefinition* launchedWith(const Instance& i) const;
  void probeHealth();
  void onProbeReport(const ProbeReport& report);
  void killUnhealthy(Instance& i, const std::string& cause);
  // app_scheduler_deployments.cpp
  void writeTree(Group target, Repository::Change& change);
  void indexApps();
  void advanceDeployments(Repository::Change& change);
  bool stepComplete(const Deployment& d) const;
  std::string progressOf(const Deployment& d) const;
  void finish(Deployment& running, const std::string& status, const std::string& message, Repository::Change& change);
  std::optional<std::string> rollback(const std::string& id, Repository::Change& change);

  boost::asio::io_context& io_;
  Leader& leader_;
  SchedulerOptions options_;
  Group root_;
  std::map<std::string, AppDefinition> apps_;                   // the tree's apps by id
  std::map<std::string, std::vector<Constraint>> constraints_;  // parsed, by app
  std::map<std::string, Instance> instances_;
  std::map<std::string, std::set<std::string>> byApp_;  // app -> instance ids
  std::map<std::string, Deployment> deployments_;
  std::deque<Deployment> finished_;
  std::map<std::string, std::string> heldBy_;  // app -> deployment id
  LaunchDelays delays_;
  std::map<std::string, OfferStats> offerStats_;
  std::map<std::string, TaskFailure> lastFailure_;
  ClusterView view_;
  std::map<std::string, double> killSentAt_;
  std::set<std::string> dirty_;
  bool convergePosted_ = false;
  bool suppressed_ = false;
  bool declinedLong_ = false;  // offers declined with declineSeconds since the last revive
  double lastReconcile_ = 0;
  std::mt19937_64 random_;
  boost::asio::steady_timer ticker_;
  NetworkProbe network_;
  HealthProber prober_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tepui::services
