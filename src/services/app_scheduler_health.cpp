// AppScheduler (app_scheduler.hpp): the health checks the leader probes
// itself (apps with several HTTP/TCP checks): which instances are probed,
// what their results change, and the kill of an unhealthy instance.
#include <boost/json.hpp>

#include "common/logging.hpp"
#include "services/app_json.hpp"
#include "services/app_scheduler.hpp"
#include "services/event_bus.hpp"

namespace tepui::services {

namespace bj = boost::json;

namespace {

bj::object instanceEvent(const Instance& i) {
  return bj::object{{"appId", i.appId}, {"instanceId", i.id}, {"taskId", i.id}, {"version", i.version}};
}

}  // namespace

// The definition an instance was launched with, when the scheduler still
// has it: the app's current one, or during a deployment the app's
// definition before it.
const AppDefinition* AppScheduler::launchedWith(const Instance& i) const {
  const AppDefinition* current = app(i.appId);
  if (current && current->versionInfo.lastConfigChangeAt == i.configVersion) return current;
  auto held = heldBy_.find(i.appId);
  if (held == heldBy_.end()) return nullptr;
  auto& original = deployments_.at(held->second).original;
  auto before = original.find(i.appId);
  if (before == original.end() || before->second.versionInfo.lastConfigChangeAt != i.configVersion) return nullptr;
  return &before->second;
}

// The running instances launched with several checks, which the leader
// probes. Unreachable ones (not TASK_RUNNING) and those being killed are
// left out, and so forgotten by the prober; so are instances whose
// definition is no longer known (an older config no deployment holds).
void AppScheduler::probeHealth() {
  std::vector<ProbedInstance> probed;
  for (auto& [id, i] : instances_) {
    if (i.scheduled || !i.running() || i.goal != Instance::Goal::RUNNING) continue;
    const AppDefinition* a = launchedWith(i);
    if (!a || !schedulerProbes(*a)) continue;
    probed.push_back({id, i.host, i.ports, i.startedAt.value_or(now()), a->healthChecks});
  }
  prober_.update(probed);
}

void AppScheduler::onProbeReport(const ProbeReport& report) {
  auto it = instances_.find(report.instanceId);
  if (it == instances_.end()) return;
  Instance& i = it->second;
  const AppDefinition* a = launchedWith(i);
  i.checkResults = report.states;
  std::optional<bool> before = i.health.alive;
  i.health = combinedHealth(i.checkResults);
  if (report.verdict.counted && report.outcome.result == ProbeOutcome::Result::kFailed && a &&
      report.check < a->healthChecks.size()) {
    bj::object e = instanceEvent(i);
    e["healthCheck"] = healthCheckJson(a->healthChecks[report.check]);
    e["cause"] = report.outcome.cause;
    leader_.events.publish("failed_health_check_event", std::move(e));
  }
  if (before != i.health.alive && i.health.alive.has_value()) {
    bj::object e = instanceEvent(i);
    e["alive"] = *i.health.alive;
    leader_.events.publish("health_status_changed_event", std::move(e));
    TLOG(INFO) << "Instance " << i.id << " of " << i.appId << " is " << (*i.health.alive ? "healthy" : "unhealthy")
               << (*i.health.alive ? "" : ": " + report.outcome.cause);
  }
  if (report.verdict.kill) killUnhealthy(i, report.outcome.cause);
  if (before != i.health.alive) convergeSoon(i.appId);
}

// Kills and replaces an instance that failed a check too often; like a
// failed task, it counts towards the app's launch backoff.
void AppScheduler::killUnhealthy(Instance& i, const std::string& cause) {
  TLOG(WARNING) << "Killing unhealthy instance " << i.id << " of " << i.appId << ": " << cause;
  if (const AppDefinition* a = app(i.appId)) {
    BackoffPolicy policy{static_cast<double>(a->backoffSeconds), a->backoffFactor,
                         static_cast<double>(a->maxLaunchDelaySeconds)};
    delays_.failed(i.appId, i.version, policy, now());
  }
  bj::object e = instanceEvent(i);
  e["reason"] = cause;
  e["host"] = i.host;
  e["slaveId"] = i.agentId;
  leader_.events.publish("unhealthy_instance_kill_event", std::move(e));
  std::string id = i.id;
  killInstances({id}, false, [id](const Status& s) {
    if (!s) TLOG(WARNING) << "The kill of unhealthy instance " << id << " was not written: " << s.error().message;
  });
}

}  // namespace tepui::services
