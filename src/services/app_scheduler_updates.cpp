// AppScheduler (app_scheduler.hpp): status updates, health and readiness.
#include <boost/json.hpp>

#include "common/iso_time.hpp"
#include "common/logging.hpp"
#include "frameworks/framework_link.hpp"
#include "services/app_scheduler.hpp"
#include "services/event_bus.hpp"
#include "services/state.hpp"

namespace tepui::services {

namespace bj = boost::json;

namespace {

// A service should never end: a failure, an error and also a finish count
// towards the launch backoff; kills, losses and drops do not (not the
// app's fault).
bool countsAsFailure(v1::TaskState s) { return s == v1::TASK_FAILED || s == v1::TASK_ERROR || s == v1::TASK_FINISHED; }

}  // namespace

FrameworkLink::TaskList AppScheduler::tasksToReconcile() const {
  FrameworkLink::TaskList out;
  for (auto& [id, i] : instances_) {
    if (i.scheduled || i.terminal()) continue;
    v1::TaskID task;
    task.set_value(id);
    std::optional<v1::AgentID> agent;
    if (!i.agentId.empty()) {
      agent.emplace();
      agent->set_value(i.agentId);
    }
    out.emplace_back(std::move(task), std::move(agent));
  }
  return out;
}

void AppScheduler::unknownTask(const v1::TaskStatus& status, FrameworkLink::Ack ack) {
  // A task of an instance this scheduler forgot (expunged, or its app gone):
  // it must not run.
  if (!isTerminalState(status.state())) {
    TLOG(INFO) << "Killing unknown task " << status.task_id().value();
    std::optional<v1::AgentID> agent;
    if (status.has_agent_id()) agent = status.agent_id();
    leader_.framework.client().kill(status.task_id(), agent);
  }
  ack();
}

void AppScheduler::onUpdate(const v1::TaskStatus& status, FrameworkLink::Ack ack) {
  auto it = instances_.find(status.task_id().value());
  if (it == instances_.end()) return unknownTask(status, std::move(ack));
  Instance& i = it->second;
  const double t = now();
  const std::string appId = i.appId;
  const AppDefinition* definition = app(appId);
  i.state = status.state();
  i.message = status.message();
  if (status.has_agent_id()) i.agentId = status.agent_id().value();
  if (i.state == v1::TASK_RUNNING && !i.startedAt) i.startedAt = t;
  if (i.state == v1::TASK_UNREACHABLE) {
    if (!i.unreachableSince)
      i.unreachableSince = status.has_unreachable_time() ? status.unreachable_time().nanoseconds() / 1e9 : t;
  } else {
    i.unreachableSince.reset();
  }
  if (status.has_healthy()) {
    bool changed = i.health.alive != status.healthy();
    i.health.record(status.healthy(), t, status.healthy() ? "" : status.message());
    if (changed) {
      bj::object e;
      e["appId"] = appId;
      e["instanceId"] = i.id;
      e["taskId"] = i.id;
      e["version"] = i.version;
      e["alive"] = status.healthy();
      leader_.events.publish("health_status_changed_event", std::move(e));
    }
  }
  if (status.has_check_status() && status.check_status().has_http() && status.check_status().http().has_status_code() &&
      definition && !definition->readinessChecks.empty()) {
    auto& codes = definition->readinessChecks.front().httpStatusCodesForReady;
    auto code = static_cast<int64_t>(status.check_status().http().status_code());
    i.ready = std::find(codes.begin(), codes.end(), code) != codes.end();
  }

  bj::object e;
  e["slaveId"] = i.agentId;
  e["taskId"] = i.id;
  e["instanceId"] = i.id;
  e["taskStatus"] = v1::TaskState_Name(i.state);
  e["message"] = i.message;
  e["appId"] = appId;
  e["host"] = i.host;
  bj::array ports;
  for (auto p : i.ports) ports.emplace_back(p);
  e["ports"] = std::move(ports);
  e["ipAddresses"] = bj::array();
  e["version"] = i.version;
  leader_.events.publish("status_update_event", std::move(e));

  Repository::Change change;
  if (i.terminal()) {
    if (countsAsFailure(i.state) && i.goal == Instance::Goal::RUNNING && definition) {
      BackoffPolicy policy{static_cast<double>(definition->backoffSeconds), definition->backoffFactor,
                           static_cast<double>(definition->maxLaunchDelaySeconds)};
      delays_.failed(appId, i.version, policy, t);
    }
    if (i.state != v1::TASK_KILLED || i.goal == Instance::Goal::RUNNING) {
      TaskFailure& f = lastFailure_[appId];
      f = {appId, i.host, i.message, v1::TaskState_Name(i.state), i.id, i.version, i.agentId, t};
    }
    TLOG(INFO) << "Instance " << i.id << " of " << appId << " ended: " << v1::TaskState_Name(i.state)
               << (i.message.empty() ? "" : " (" + i.message + ")");
    change.erase(kInstances, i.id);
    killSentAt_.erase(i.id);
    byApp_[appId].erase(i.id);
    instances_.erase(it);
  } else {
    change.put(kInstances, i.id, toRecord(i));
  }
  // Acknowledged once durable: the master sends it again otherwise.
  leader_.repository.commit(std::move(change), [ack = std::move(ack)](const Status& s) {
    if (s) ack();
  });
  convergeSoon(appId);
}

}  // namespace tepui::services
