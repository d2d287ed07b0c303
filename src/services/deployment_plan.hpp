// DeploymentPlan: the ordered steps that take the services tree from
// `original` to `target` (Marathon-compatible; actions within a step run
// concurrently, steps one after the other):
//   1. StopApplication for every app absent from the target, dependents
//      before their dependencies (one step per dependency layer of the
//      original tree, highest layer first);
//   2. StartApplication (at 0 instances) for every app new in the target;
//   3. one step per dependency layer of the target tree (the length of an
//      app's longest dependency chain), lowest first: ScaleApplication for a
//      new app or a scale-only change (to 0 as well), RestartApplication for
//      a config change (or a forced restart); unchanged apps get nothing.
// Empty steps are left out, so a plan with no steps changes nothing. The
// target tree is assumed valid (validateTree()). A rollback is
// planDeployment(plan.target, plan.original). Which tasks a scale-down
// kills is the runtime's choice (killSelection, placement), not the plan's.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "services/group.hpp"

namespace tepui::services {

enum class ActionKind { kStart, kStop, kScale, kRestart };

// "StartApplication", "StopApplication", "ScaleApplication", "RestartApplication".
const char* actionName(ActionKind kind);

struct DeploymentAction {
  ActionKind kind;
  PathId app;
  int64_t instances = 0;  // the target count: 0 for Start and Stop
  bool operator==(const DeploymentAction&) const = default;
};

struct DeploymentStep {
  std::vector<DeploymentAction> actions;  // ordered by app id
  bool operator==(const DeploymentStep&) const = default;
};

struct DeploymentPlan {
  std::string id;       // a UUID
  std::string version;  // the target's version
  Group original;
  Group target;
  std::vector<DeploymentStep> steps;
  std::vector<PathId> affectedApps;  // every app with an action, ordered
};

// `id` defaults to a fresh random UUID.
DeploymentPlan planDeployment(const Group& original, const Group& target, const std::string& version,
                              std::string id = "");

// {"action": "ScaleApplication", "app": "/a"}
boost::json::value actionToJson(const DeploymentAction& action);

// The /v2/deployments entry: {id, version, affectedApps, affectedPods: [],
// steps: [{actions: [{action, app}]}], currentActions, currentStep,
// totalSteps}. The runtime knows the current step (1-based; 0 before the
// first) and the current actions (with their readinessCheckResults).
boost::json::value planToJson(const DeploymentPlan& plan, int currentStep, const boost::json::array& currentActions);

}  // namespace tepui::services
