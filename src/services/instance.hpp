// One instance of an app as the services scheduler tracks it: the task it
// launched for the instance, what the master last said of it, and its
// health. Also the instance's two JSON forms: Marathon's task shape (what
// /v2/tasks and /v2/apps/{id}/tasks show) and the record kept in the
// services' store (toRecord/fromRecord round-trip every field but
// checkResults, which a new leader rebuilds by probing).
//
// An instance's id is also its task id: "<app>.instance-<uuid>", where
// <app> is the app id without its leading "/" and with "/" written "_"
// (app ids cannot contain "_", so appIdOf() recovers the app).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/task_states.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::services {

struct HealthState {
  std::optional<bool> alive;  // unset until the first result
  int consecutiveFailures = 0;
  std::optional<double> firstSuccess, lastSuccess, lastFailure;  // epoch seconds
  std::string lastFailureCause;

  // Records one result at `now`.
  void record(bool passed, double now, const std::string& cause = "");
};

struct Instance {
  // What the scheduler wants of the instance: to run, or to be killed
  // (STOPPED: killed and then forgotten; DECOMMISSIONED: its app is gone).
  enum class Goal { RUNNING, STOPPED, DECOMMISSIONED };

  std::string id;       // also the task id
  std::string appId;    // "/group/app"
  std::string version;  // the app version it was (or is to be) launched with
  // The app's lastConfigChangeAt at that version: an instance whose config
  // version is not the app's current one is replaced by a rolling restart
  // (a scale change makes a new version but keeps the config version).
  std::string configVersion;
  Goal goal = Goal::RUNNING;
  // Waiting for an offer: not launched yet, no task (state, agent, host and
  // ports are unset). The launch queue is the scheduled instances.
  bool scheduled = false;
  v1::TaskState state = v1::TASK_STAGING;  // the last state reported (STAGING at launch)
  std::string agentId, host;
  // The agent's fault domain and attributes (as placement compares them)
  // when the instance was launched: a new leader places by them before it
  // sees that agent's offers again.
  std::optional<std::string> region, zone;
  std::map<std::string, std::string> agentAttributes;
  std::vector<uint32_t> ports;         // host ports, in portDefinitions' order
  std::vector<uint32_t> servicePorts;  // the app's service ports
  std::string role;
  double stagedAt = 0;              // epoch seconds
  std::optional<double> startedAt;  // first TASK_RUNNING
  std::optional<double> unreachableSince;
  std::string message;  // of the last status
  // Its health: what the agent reports of the task's one health check, or
  // all of checkResults combined (health_policy.hpp).
  HealthState health;
  // One state per health check when the services leader probes them
  // (several checks). Not recorded: a new leader starts from unknown.
  std::vector<HealthState> checkResults;
  bool ready = false;  // its readiness check passed (apps with one)

  bool terminal() const { return !scheduled && isTerminalState(state); }
  bool running() const { return state == v1::TASK_RUNNING; }
  // Marathon's instance condition: "Scheduled", "Staging", "Running", "Unreachable",
  // "UnreachableInactive" (unreachable for longer than `inactiveAfter`
  // seconds at `now`), "Failed", ...
  std::string condition(double now, std::optional<double> inactiveAfter) const;
};

std::string newInstanceId(const std::string& appId);
// The app of an instance id, or nothing if it is not one of ours.
std::optional<std::string> appIdOf(const std::string& instanceId);

boost::json::object toTaskJson(const Instance& instance);
boost::json::object toRecord(const Instance& instance);
Result<Instance> fromRecord(const boost::json::value& record);

}  // namespace tepui::services
