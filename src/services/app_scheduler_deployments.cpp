// AppScheduler (app_scheduler.hpp): deployments: starting one, its steps,
// its progress deadline, cancelling and rolling back.
#include <boost/json.hpp>
#include <cstdio>
#include <sstream>

#include "common/ids.hpp"
#include "common/iso_time.hpp"
#include "common/logging.hpp"
#include "services/app_json.hpp"
#include "services/app_scheduler.hpp"
#include "services/app_update.hpp"
#include "services/event_bus.hpp"
#include "services/group_json.hpp"
#include "services/group_update.hpp"
#include "services/state.hpp"
#include "services/tree_records.hpp"

namespace tepui::services {

namespace bj = boost::json;

void AppScheduler::deploy(Group target, const DeploymentPlan& plan, Done done) {
  const double t = now();
  Repository::Change change;
  std::vector<std::string> affected;
  for (auto& id : plan.affectedApps) affected.push_back(id.toString());
  for (auto& other : conflicts(affected)) {
    finish(deployments_.at(other), "canceled", "superseded by deployment " + plan.id, change);
  }
  writeTree(target, change);
  Deployment d = Deployment::of(plan, t);
  if (!d.steps.empty()) {
    for (auto& app : d.affectedApps) heldBy_[app.toString()] = d.id;
    change.put(kDeployments, d.id, deploymentToRecord(d));
    bj::object e;
    e["plan"] = deploymentToJson(d, {});
    e["currentStep"] = d.steps.empty() ? bj::value(nullptr) : bj::value(bj::object{{"actions", bj::array()}});
    leader_.events.publish("deployment_info", std::move(e));
    deployments_.emplace(d.id, std::move(d));
  }
  bj::object e;
  e["groupId"] = "/";
  e["version"] = plan.version;
  leader_.events.publish("group_change_success", std::move(e));
  for (auto& app : affected) convergeSoon(app);
  leader_.repository.commit(std::move(change), std::move(done));
}

// Makes `target` the tree: its changed apps and groups written, those gone
// erased (their instances are the deployment's to stop).
void AppScheduler::writeTree(Group target, Repository::Change& change) {
  std::map<std::string, const AppDefinition*> before;
  for (const AppDefinition* a : allApps(root_)) before[a->id.toString()] = a;
  for (const AppDefinition* a : allApps(target)) {
    auto it = before.find(a->id.toString());
    if (it == before.end() || !(*it->second == *a))
      change.putVersioned(kApps, a->id.toString(), a->version, appToJson(*a));
    if (it != before.end()) before.erase(it);
  }
  for (auto& [id, _] : before) change.eraseVersioned(kApps, id);
  std::map<std::string, bj::value> groupsBefore = groupRecords(root_), groupsAfter = groupRecords(target);
  for (auto& [id, doc] : groupsAfter) {
    auto it = groupsBefore.find(id);
    if (it == groupsBefore.end() || it->second != doc) change.put(kGroups, id, doc);
  }
  for (auto& [id, _] : groupsBefore) {
    if (!groupsAfter.contains(id)) change.erase(kGroups, id);
  }
  root_ = std::move(target);
  indexApps();
}

void AppScheduler::indexApps() {
  apps_.clear();
  constraints_.clear();
  for (const AppDefinition* a : allApps(root_)) {
    std::string id = a->id.toString();
    constraints_[id] = parseConstraints(a->constraints).constraints;
    apps_.emplace(id, *a);
  }
}

bool AppScheduler::stepComplete(const Deployment& d) const {
  for (auto& action : d.steps[d.currentStep].actions) {
    std::string id = action.app.toString();
    switch (action.kind) {
      case ActionKind::kStart: break;
      case ActionKind::kStop:
        if (byApp_.contains(id)) return false;
        break;
      default: {
        const AppDefinition* definition = nullptr;
        AppGoal goal = goalOf(id, &definition);
        if (!definition || !services::converge(goal, instancesOf(id), now()).complete) return false;
      }
    }
  }
  return true;
}

// Progress is the best the step in progress has been: its apps' new
// instances running and healthy at most, their old instances at fewest
// ("step|running|healthy|old"). Only a better mark is progress, so an
// instance that crashes and is replaced over and over makes none.
std::string AppScheduler::progressOf(const Deployment& d) const {
  int64_t running = 0, healthy = 0, old = 0;
  if (d.currentStep < d.steps.size()) {
    for (auto& action : d.steps[d.currentStep].actions) {
      std::string id = action.app.toString();
      const AppDefinition* definition = nullptr;
      AppGoal goal = goalOf(id, &definition);
      Convergence c = services::converge(goal, instancesOf(id), now());
      running += c.runningNew;
      healthy += c.healthyNew;
      old += c.oldActive;
    }
  }
  std::ostringstream out;
  out << d.currentStep << "|" << running << "|" << healthy << "|" << old;
  return out.str();
}

namespace {

// Whether mark `now` ("step|running|healthy|old") is better than `best`
// anywhere; the merged best mark.
bool better(const std::string& best, const std::string& now, std::string* merged) {
  long long b[4] = {-1, -1, -1, 1LL << 62}, n[4] = {0, 0, 0, 0};
  if (std::sscanf(best.c_str(), "%lld|%lld|%lld|%lld", &b[0], &b[1], &b[2], &b[3]) != 4) {
    b[0] = b[1] = b[2] = -1;
    b[3] = 1LL << 62;
  }
  std::sscanf(now.c_str(), "%lld|%lld|%lld|%lld", &n[0], &n[1], &n[2], &n[3]);
  if (n[0] != b[0]) {  // another step: a fresh mark
    *merged = now;
    return n[0] > b[0];
  }
  bool improved = n[1] > b[1] || n[2] > b[2] || n[3] < b[3];
  std::ostringstream out;
  out << n[0] << "|" << std::max(n[1], b[1]) << "|" << std::max(n[2], b[2]) << "|" << std::min(n[3], b[3]);
  *merged = out.str();
  return improved;
}

}  // namespace

void AppScheduler::advanceDeployments(Repository::Change& change) {
  const double t = now();
  std::vector<std::string> ids;
  for (auto& [id, _] : deployments_) ids.push_back(id);
  for (auto& id : ids) {
    auto it = deployments_.find(id);
    if (it == deployments_.end()) continue;  // finished by a rollback of another
    Deployment& d = it->second;
    bool changed = false;
    while (d.currentStep < d.steps.size() && stepComplete(d)) {
      for (auto& action : d.steps[d.currentStep].actions) {
        if (action.kind == ActionKind::kStop) {
          bj::object e;
          e["appId"] = action.app.toString();
          leader_.events.publish("app_terminated_event", std::move(e));
        }
      }
      bj::object e;
      e["plan"] = deploymentToJson(d, {});
      e["currentStep"] = bj::object{{"actions", bj::array()}};
      leader_.events.publish("deployment_step_success", std::move(e));
      d.currentStep++;
      changed = true;
    }
    if (d.currentStep >= d.steps.size()) {
      finish(d, "succeeded", "", change);
      continue;
    }
    std::string merged;
    if (better(d.progress, progressOf(d), &merged)) {
      d.progress = std::move(merged);
      d.lastProgressAt = t;
      changed = true;
    } else if (d.progressDeadlineSeconds && t - d.lastProgressAt > *d.progressDeadlineSeconds) {
      std::ostringstream why;
      why << "no progress for " << *d.progressDeadlineSeconds << " s in step " << d.currentStep + 1 << " of "
          << d.steps.size();
      Deployment failed = d;
      finish(d, "failed", why.str(), change);
      if (failed.rollbackOnFailure) rollback(failed.id, change);
      continue;
    }
    if (changed) change.put(kDeployments, d.id, deploymentToRecord(d));
  }
}

void AppScheduler::finish(Deployment& running, const std::string& status, const std::string& message,
                          Repository::Change& change) {
  Deployment d = std::move(running);
  deployments_.erase(d.id);
  d.status = status;
  d.message = message;
  d.endedAt = now();
  for (auto& app : d.affectedApps) {
    auto h = heldBy_.find(app.toString());
    if (h != heldBy_.end() && h->second == d.id) heldBy_.erase(h);
    convergeSoon(app.toString());
  }
  TLOG(INFO) << "Deployment " << d.id << " " << status << (message.empty() ? "" : ": " + message);
  bj::object e;
  e["id"] = d.id;
  e["plan"] = deploymentToJson(d, {});
  if (!message.empty()) e["reason"] = message;
  leader_.events.publish(status == "succeeded" ? "deployment_success" : "deployment_failed", std::move(e));
  change.put(kDeployments, d.id, deploymentToRecord(d));
  finished_.push_back(std::move(d));
  while (finished_.size() > options_.keptResults) {
    change.erase(kDeployments, finished_.front().id);
    finished_.pop_front();
  }
}

// A deployment that takes the apps of deployment `id` back to what they
// were before it.
std::optional<std::string> AppScheduler::rollback(const std::string& id, Repository::Change& change) {
  const Deployment* d = deployment(id);
  if (!d) return std::nullopt;
  Group target = root_;
  for (auto& app : d->affectedApps) {
    auto o = d->original.find(app.toString());
    if (o != d->original.end()) {
      (void)putApp(target, o->second);
    } else {
      removeApp(target, app);
    }
  }
  std::string version = iso_time::format(now());
  target = stampVersions(root_, std::move(target), version);
  DeploymentPlan plan = planDeployment(root_, target, version);
  Deployment r = Deployment::of(plan, now());
  r.revertsId = id;
  for (auto& f : finished_) {
    if (f.id == id) {
      f.rollbackId = r.id;
      change.put(kDeployments, f.id, deploymentToRecord(f));
    }
  }
  writeTree(std::move(target), change);
  if (r.steps.empty()) return r.id;
  for (auto& app : r.affectedApps) {
    heldBy_[app.toString()] = r.id;
    convergeSoon(app.toString());
  }
  change.put(kDeployments, r.id, deploymentToRecord(r));
  bj::object e;
  e["plan"] = deploymentToJson(r, {});
  leader_.events.publish("deployment_info", std::move(e));
  std::string rid = r.id;
  deployments_.emplace(rid, std::move(r));
  return rid;
}

void AppScheduler::cancel(const std::string& id, bool force, std::function<void(Result<Rollback>)> done) {
  auto it = deployments_.find(id);
  if (it == deployments_.end()) return done(Error("unknown deployment " + id));
  Repository::Change change;
  Rollback r;
  if (force) {
    finish(it->second, "canceled", "canceled with force: no rollback", change);
  } else {
    finish(it->second, "canceled", "canceled: rolled back", change);
    if (auto rid = rollback(id, change)) {
      r.id = *rid;
      if (const Deployment* d = deployment(*rid)) r.version = d->version;
    }
  }
  leader_.repository.commit(std::move(change), [done, r](const Status& s) {
    if (!s) return done(s.error());
    done(r);
  });
}

}  // namespace tepui::services
