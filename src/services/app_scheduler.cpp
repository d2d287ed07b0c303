// AppScheduler (app_scheduler.hpp): start, convergence, kills, the tick.
#include "services/app_scheduler.hpp"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "common/clock.hpp"
#include "common/iso_time.hpp"
#include "common/logging.hpp"
#include "frameworks/framework_link.hpp"
#include "services/app_json.hpp"
#include "services/event_bus.hpp"
#include "services/kill_picker.hpp"
#include "services/state.hpp"
#include "services/tree_records.hpp"

namespace tepui::services {

namespace bj = boost::json;

AppScheduler::AppScheduler(boost::asio::io_context& io, Leader& leader, SchedulerOptions options)
    : io_(io),
      leader_(leader),
      options_(std::move(options)),
      random_(std::random_device{}()),
      ticker_(io),
      network_(io),
      prober_([this](const ProbeTarget& target, ProbeDone done) { network_.probe(target, std::move(done)); },
              [this] { return now(); }, static_cast<size_t>(leader.flags.max_concurrent_health_checks),
              [this](const ProbeReport& report) { onProbeReport(report); }, &leader.health) {}

AppScheduler::~AppScheduler() {
  *alive_ = false;
  ticker_.cancel();
}

double AppScheduler::now() const { return clock::wallSeconds(); }

Status AppScheduler::start() {
  Repository& repo = leader_.repository;
  auto root = treeFromRecords(repo);
  if (!root) return root.error();
  root_ = std::move(*root);
  indexApps();
  for (auto& [id, doc] : repo.all(kInstances)) {
    auto instance = fromRecord(doc);
    if (!instance) return instance.error().context("the stored instance " + id);
    byApp_[instance->appId].insert(id);
    instances_.emplace(id, std::move(*instance));
  }
  for (auto& [id, doc] : repo.all(kDeployments)) {
    auto d = deploymentFromRecord(doc);
    if (!d) return d.error().context("the stored deployment " + id);
    if (d->status == "running") {
      for (auto& app : d->affectedApps) heldBy_[app.toString()] = d->id;
      deployments_.emplace(id, std::move(*d));
    } else {
      finished_.push_back(std::move(*d));
    }
  }
  std::sort(finished_.begin(), finished_.end(),
            [](const Deployment& a, const Deployment& b) { return a.endedAt < b.endedAt; });
  // Checks the leader probes start from unknown in a new term.
  for (auto& [id, i] : instances_) {
    if (auto* a = launchedWith(i); a && schedulerProbes(*a)) i.health = HealthState{};
  }

  FrameworkLink& link = leader_.framework;
  auto alive = alive_;
  link.callbacks().tasksToReconcile = [this] { return tasksToReconcile(); };
  link.callbacks().onOffers = [this](const std::vector<v1::Offer>& offers) { onOffers(offers); };
  link.callbacks().onUpdate = [this](const v1::TaskStatus& s, FrameworkLink::Ack ack) { onUpdate(s, std::move(ack)); };
  link.callbacks().onSubscribed = [this](const std::string&) {
    suppressed_ = false;   // a new subscription starts unsuppressed
    declinedLong_ = true;  // and may still carry filters: revive when something waits
    lastReconcile_ = now();
    for (auto& [app, _] : apps_) dirty_.insert(app);
    for (auto& [app, _] : byApp_) dirty_.insert(app);
    convergeDirty();
  };
  for (auto& [app, _] : apps_) dirty_.insert(app);
  for (auto& [app, _] : byApp_) dirty_.insert(app);
  tick();
  TLOG(INFO) << "Services scheduler: " << apps_.size() << " apps, " << instances_.size() << " instances, "
             << deployments_.size() << " deployments in progress";
  return Status();
}

const AppDefinition* AppScheduler::app(const std::string& id) const {
  auto it = apps_.find(id);
  return it == apps_.end() ? nullptr : &it->second;
}

std::vector<const Instance*> AppScheduler::instancesOf(const std::string& appId) const {
  std::vector<const Instance*> out;
  auto it = byApp_.find(appId);
  if (it == byApp_.end()) return out;
  for (auto& id : it->second) out.push_back(&instances_.at(id));
  return out;
}

const Deployment* AppScheduler::deployment(const std::string& id) const {
  if (auto it = deployments_.find(id); it != deployments_.end()) return &it->second;
  for (auto& d : finished_) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

std::vector<std::string> AppScheduler::conflicts(const std::vector<std::string>& appIds) const {
  std::set<std::string> out;
  for (auto& app : appIds) {
    if (auto it = heldBy_.find(app); it != heldBy_.end()) out.insert(it->second);
  }
  return {out.begin(), out.end()};
}

std::optional<LaunchDelays::Delay> AppScheduler::delay(const std::string& appId) const {
  auto it = apps_.find(appId);
  if (it == apps_.end()) return std::nullopt;
  return delays_.delay(appId, it->second.version, now());
}

const OfferStats* AppScheduler::offerStats(const std::string& appId) const {
  auto it = offerStats_.find(appId);
  return it == offerStats_.end() ? nullptr : &it->second;
}

const TaskFailure* AppScheduler::lastFailure(const std::string& appId) const {
  auto it = lastFailure_.find(appId);
  return it == lastFailure_.end() ? nullptr : &it->second;
}

void AppScheduler::resetDelay(const std::string& appId) {
  delays_.reset(appId);
  convergeSoon(appId);
}

// The goal an app converges to now, and the definition new instances get
// (null: the app is going away).
AppGoal AppScheduler::goalOf(const std::string& appId, const AppDefinition** definition) const {
  *definition = nullptr;
  const AppDefinition* target = app(appId);
  const Deployment* d = nullptr;
  if (auto h = heldBy_.find(appId); h != heldBy_.end()) d = &deployments_.at(h->second);
  AppGoal goal;
  goal.restartOld = d != nullptr;
  if (d) {
    auto step = d->stepOf(appId);
    if (step && d->currentStep < *step) {
      // Not its turn yet: as it was.
      auto o = d->original.find(appId);
      target = o == d->original.end() ? nullptr : &o->second;
      goal.restartOld = false;
    }
  }
  if (!target) return goal;  // no instances
  *definition = target;
  goal.version = target->version;
  goal.configVersion = target->versionInfo.lastConfigChangeAt;
  goal.instances = target->instances;
  goal.minimumHealthCapacity = target->upgradeStrategy.minimumHealthCapacity;
  goal.maximumOverCapacity = target->upgradeStrategy.maximumOverCapacity;
  goal.healthChecked = !target->healthChecks.empty();
  goal.readinessChecked = !target->readinessChecks.empty();
  if (target->unreachableStrategy.enabled) {
    goal.inactiveAfterSeconds = static_cast<double>(target->unreachableStrategy.inactiveAfterSeconds);
    goal.expungeAfterSeconds = static_cast<double>(target->unreachableStrategy.expungeAfterSeconds);
  }
  return goal;
}

void AppScheduler::convergeSoon(const std::string& appId) {
  dirty_.insert(appId);
  if (convergePosted_) return;
  convergePosted_ = true;
  boost::asio::post(io_, [this, alive = alive_] {
    if (!*alive) return;
    convergePosted_ = false;
    convergeDirty();
  });
}

void AppScheduler::convergeDirty() {
  if (leader_.repository.failed()) return;
  Repository::Change change;
  std::vector<std::string> kills;
  auto dirty = std::move(dirty_);
  dirty_.clear();
  for (auto& app : dirty) converge(app, change, kills);
  advanceDeployments(change);
  if (change.empty()) return updateOfferInterest();
  leader_.repository.commit(std::move(change), [this, alive = alive_, kills](const Status& s) {
    if (!*alive || !s) return;
    sendKills(kills);
  });
  updateOfferInterest();
}

void AppScheduler::converge(const std::string& appId, Repository::Change& change, std::vector<std::string>& kills) {
  const AppDefinition* definition = nullptr;
  AppGoal goal = goalOf(appId, &definition);
  auto instances = instancesOf(appId);
  const AppDefinition* target = app(appId);
  static const std::vector<Constraint> none;
  auto constraints = constraints_.find(appId);
  KillPicker pick = killPicker(target && target->killSelection == KillSelection::kOldestFirst,
                               constraints == constraints_.end() ? none : constraints->second, view_);
  Convergence c = services::converge(goal, instances, now(), pick);
  for (auto& id : c.toKill) stopInstance(instances_.at(id), change, kills);
  for (auto& id : c.toExpunge) {
    Instance& i = instances_.at(id);
    TLOG(INFO) << "Expunging instance " << id << " of " << appId << ": unreachable since "
               << iso_time::format(i.unreachableSince.value_or(0));
    kills.push_back(id);  // if it ever comes back
    change.erase(kInstances, id);
    byApp_[appId].erase(id);
    instances_.erase(id);
  }
  for (int64_t k = 0; k < c.toSchedule && definition; ++k) {
    Instance i;
    i.id = newInstanceId(appId);
    i.appId = appId;
    i.version = definition->version;
    i.configVersion = definition->versionInfo.lastConfigChangeAt;
    i.scheduled = true;
    i.stagedAt = now();
    change.put(kInstances, i.id, toRecord(i));
    byApp_[appId].insert(i.id);
    instances_.emplace(i.id, std::move(i));
  }
  if (byApp_[appId].empty()) {
    byApp_.erase(appId);
    if (!target && !heldBy_.contains(appId)) offerStats_.erase(appId);
  }
}

void AppScheduler::stopInstance(Instance& i, Repository::Change& change, std::vector<std::string>& kills) {
  if (i.scheduled) {
    change.erase(kInstances, i.id);
    byApp_[i.appId].erase(i.id);
    instances_.erase(i.id);
    return;
  }
  i.goal = Instance::Goal::STOPPED;
  change.put(kInstances, i.id, toRecord(i));
  kills.push_back(i.id);
}

AppScheduler::KillOrder AppScheduler::killOrderOf(const std::string& id) const {
  KillOrder order;
  order.task.set_value(id);
  if (auto it = instances_.find(id); it != instances_.end()) {
    if (!it->second.agentId.empty()) {
      order.agent.emplace();
      order.agent->set_value(it->second.agentId);
    }
    if (auto* a = app(it->second.appId); a && a->taskKillGracePeriodSeconds) {
      order.grace = static_cast<double>(*a->taskKillGracePeriodSeconds);
    }
  }
  return order;
}

void AppScheduler::sendKills(const std::vector<std::string>& ids) {
  std::vector<KillOrder> orders;
  for (auto& id : ids) orders.push_back(killOrderOf(id));
  sendKills(orders);
}

void AppScheduler::sendKills(const std::vector<KillOrder>& orders) {
  FrameworkLink& link = leader_.framework;
  if (!link.subscribed()) return;  // the tick sends them once subscribed (wiped ones: as unknown tasks)
  for (auto& order : orders) {
    link.client().kill(order.task, order.agent, order.grace);
    if (instances_.contains(order.task.value())) killSentAt_[order.task.value()] = now();
  }
}

void AppScheduler::killInstances(const std::vector<std::string>& ids, bool wipe, Done done) {
  Repository::Change change;
  std::vector<std::string> kills;
  for (auto& id : ids) {
    auto it = instances_.find(id);
    if (it == instances_.end()) continue;
    std::string appId = it->second.appId;
    stopInstance(it->second, change, kills);
    convergeSoon(appId);
  }
  std::vector<KillOrder> orders;
  for (auto& id : kills) orders.push_back(killOrderOf(id));
  if (wipe) {
    for (auto& id : kills) {
      auto it = instances_.find(id);
      change.erase(kInstances, id);
      byApp_[it->second.appId].erase(id);
      killSentAt_.erase(id);
      instances_.erase(it);
    }
  }
  if (change.empty()) return done(Status());
  leader_.repository.commit(std::move(change), [this, alive = alive_, orders, done](const Status& s) {
    if (*alive && s) sendKills(orders);
    done(s);
  });
}

// Suppress offers while nothing waits to launch; revive when something does
// (or when offers were declined for long while nothing waited).
void AppScheduler::updateOfferInterest() {
  FrameworkLink& link = leader_.framework;
  if (!link.subscribed()) return;
  bool waiting = false;
  for (auto& [id, i] : instances_) {
    if (i.scheduled) {
      waiting = true;
      break;
    }
  }
  if (waiting && (suppressed_ || declinedLong_)) {
    link.client().revive();  // also clears the filters of long declines
    suppressed_ = false;
    declinedLong_ = false;
  } else if (!waiting && !suppressed_) {
    link.client().suppress();
    suppressed_ = true;
  }
}

// Every second: unreachable timeouts, progress deadlines, health probes
// that are due, kills that got no answer, and the periodic reconciliation.
void AppScheduler::tick() {
  double t = now();
  for (auto& [app, _] : apps_) dirty_.insert(app);
  for (auto& [app, _] : byApp_) dirty_.insert(app);
  convergeDirty();
  probeHealth();
  FrameworkLink& link = leader_.framework;
  if (link.subscribed()) {
    std::vector<std::string> again;
    for (auto& [id, i] : instances_) {
      if (i.goal == Instance::Goal::RUNNING || i.terminal()) continue;
      auto sent = killSentAt_.find(id);
      if (sent == killSentAt_.end() || t - sent->second >= options_.killRetrySeconds) again.push_back(id);
    }
    sendKills(again);
    if (t - lastReconcile_ >= options_.reconcileSeconds) {
      lastReconcile_ = t;
      link.client().reconcile(tasksToReconcile());
    }
  }
  ticker_.expires_after(std::chrono::seconds(1));
  ticker_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!ec && *alive) tick();
  });
}

}  // namespace tepui::services
