#include "services/deployment_plan.hpp"

#include <boost/json/object.hpp>
#include <set>

#include "common/ids.hpp"
#include "services/app_update.hpp"
#include "services/group_dependencies.hpp"

namespace tepui::services {

namespace bj = boost::json;

namespace {

// Steps from the actions of each layer, in the given order of layers,
// leaving empty layers out.
void addLayeredSteps(std::map<int, std::vector<DeploymentAction>> byLayer, bool highestFirst,
                     std::vector<DeploymentStep>* steps) {
  auto add = [&](std::vector<DeploymentAction>& actions) {
    if (!actions.empty()) steps->push_back({std::move(actions)});
  };
  if (highestFirst) {
    for (auto it = byLayer.rbegin(); it != byLayer.rend(); ++it) add(it->second);
  } else {
    for (auto& [layer, actions] : byLayer) add(actions);
  }
}

std::vector<DeploymentStep> planSteps(const Group& original, const Group& target) {
  std::vector<DeploymentStep> steps;
  std::map<int, std::vector<DeploymentAction>> stops;
  std::map<PathId, int> originalLayers = dependencyLayers(dependencyGraph(original));
  for (const AppDefinition* app : allApps(original)) {
    if (findApp(target, app->id) == nullptr) {
      stops[originalLayers[app->id]].push_back({ActionKind::kStop, app->id, 0});
    }
  }
  addLayeredSteps(std::move(stops), /*highestFirst=*/true, &steps);

  DeploymentStep starts;
  std::map<int, std::vector<DeploymentAction>> changes;
  std::map<PathId, int> targetLayers = dependencyLayers(dependencyGraph(target));
  for (const AppDefinition* app : allApps(target)) {
    const AppDefinition* before = findApp(original, app->id);
    std::vector<DeploymentAction>& layer = changes[targetLayers[app->id]];
    if (before == nullptr) {
      starts.actions.push_back({ActionKind::kStart, app->id, 0});
      layer.push_back({ActionKind::kScale, app->id, app->instances});
    } else if (needsRestart(*before, *app)) {
      layer.push_back({ActionKind::kRestart, app->id, app->instances});
    } else if (isScaleOnly(*before, *app)) {
      layer.push_back({ActionKind::kScale, app->id, app->instances});
    }
  }
  if (!starts.actions.empty()) steps.push_back(std::move(starts));
  addLayeredSteps(std::move(changes), /*highestFirst=*/false, &steps);
  return steps;
}

}  // namespace

const char* actionName(ActionKind kind) {
  switch (kind) {
    case ActionKind::kStart: return "StartApplication";
    case ActionKind::kStop: return "StopApplication";
    case ActionKind::kScale: return "ScaleApplication";
    case ActionKind::kRestart: return "RestartApplication";
  }
  return "";
}

DeploymentPlan planDeployment(const Group& original, const Group& target, const std::string& version, std::string id) {
  DeploymentPlan plan{.id = id.empty() ? ids::uuidString() : std::move(id),
                      .version = version,
                      .original = original,
                      .target = target,
                      .steps = planSteps(original, target),
                      .affectedApps = {}};
  std::set<PathId> affected;
  for (const DeploymentStep& step : plan.steps) {
    for (const DeploymentAction& action : step.actions) affected.insert(action.app);
  }
  plan.affectedApps.assign(affected.begin(), affected.end());
  return plan;
}

bj::value actionToJson(const DeploymentAction& action) {
  return bj::object{{"action", actionName(action.kind)}, {"app", action.app.toString()}};
}

bj::value planToJson(const DeploymentPlan& plan, int currentStep, const bj::array& currentActions) {
  bj::array affected;
  for (const PathId& app : plan.affectedApps) affected.emplace_back(app.toString());
  bj::array steps;
  for (const DeploymentStep& step : plan.steps) {
    bj::array actions;
    for (const DeploymentAction& action : step.actions) actions.push_back(actionToJson(action));
    steps.push_back(bj::object{{"actions", std::move(actions)}});
  }
  return bj::object{{"id", plan.id},
                    {"version", plan.version},
                    {"affectedApps", std::move(affected)},
                    {"affectedPods", bj::array{}},
                    {"steps", std::move(steps)},
                    {"currentActions", currentActions},
                    {"currentStep", currentStep},
                    {"totalSteps", plan.steps.size()}};
}

}  // namespace tepui::services
