#include "services/deployment.hpp"

#include <boost/json.hpp>

#include "services/app_json.hpp"
#include "services/group.hpp"

namespace tepui::services {

namespace bj = boost::json;

namespace {

std::optional<ActionKind> actionKind(std::string_view name) {
  for (auto kind : {ActionKind::kStart, ActionKind::kStop, ActionKind::kScale, ActionKind::kRestart}) {
    if (name == actionName(kind)) return kind;
  }
  return std::nullopt;
}

const bj::value* member(const bj::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

}  // namespace

Deployment Deployment::of(const DeploymentPlan& plan, double now) {
  Deployment d;
  d.id = plan.id;
  d.version = plan.version;
  d.affectedApps = plan.affectedApps;
  d.steps = plan.steps;
  d.startedAt = d.lastProgressAt = now;
  for (const PathId& id : plan.affectedApps) {
    if (const AppDefinition* before = findApp(plan.original, id)) d.original.emplace(id.toString(), *before);
    if (const AppDefinition* after = findApp(plan.target, id)) {
      auto& s = after->upgradeStrategy;
      if (s.progressDeadlineSeconds) {
        auto deadline = static_cast<double>(*s.progressDeadlineSeconds);
        d.progressDeadlineSeconds = std::min(d.progressDeadlineSeconds.value_or(deadline), deadline);
      }
      d.rollbackOnFailure = d.rollbackOnFailure || s.rollbackOnFailure;
    }
  }
  return d;
}

std::optional<size_t> Deployment::stepOf(const std::string& app) const {
  std::optional<size_t> last;
  for (size_t k = 0; k < steps.size(); ++k) {
    for (auto& a : steps[k].actions) {
      if (a.app.toString() == app) last = k;
    }
  }
  return last;
}

bj::object deploymentToRecord(const Deployment& d) {
  bj::object o;
  o["id"] = d.id;
  o["version"] = d.version;
  bj::array affected;
  for (auto& a : d.affectedApps) affected.emplace_back(a.toString());
  o["affectedApps"] = std::move(affected);
  bj::array steps;
  for (auto& step : d.steps) {
    bj::array actions;
    for (auto& a : step.actions) {
      bj::object action = actionToJson(a).as_object();
      action["instances"] = a.instances;
      actions.push_back(std::move(action));
    }
    steps.push_back(std::move(actions));
  }
  o["steps"] = std::move(steps);
  o["currentStep"] = d.currentStep;
  bj::object original;
  for (auto& [id, app] : d.original) original[id] = appToJson(app);
  o["original"] = std::move(original);
  o["status"] = d.status;
  o["message"] = d.message;
  o["startedAt"] = d.startedAt;
  o["lastProgressAt"] = d.lastProgressAt;
  o["endedAt"] = d.endedAt;
  if (d.progressDeadlineSeconds) o["progressDeadlineSeconds"] = *d.progressDeadlineSeconds;
  o["rollbackOnFailure"] = d.rollbackOnFailure;
  if (d.rollbackId) o["rollbackId"] = *d.rollbackId;
  if (d.revertsId) o["revertsId"] = *d.revertsId;
  o["progress"] = d.progress;
  return o;
}

Result<Deployment> deploymentFromRecord(const bj::value& record) {
  if (!record.is_object()) return Error("a deployment record is not an object");
  const bj::object& o = record.get_object();
  Deployment d;
  try {
    d.id = std::string(o.at("id").as_string());
    d.version = std::string(o.at("version").as_string());
    for (auto& a : o.at("affectedApps").as_array()) {
      auto id = PathId::parse(a.as_string());
      if (!id) return id.error().context("deployment " + d.id + ": affectedApps");
      d.affectedApps.push_back(*id);
    }
    for (auto& s : o.at("steps").as_array()) {
      DeploymentStep step;
      for (auto& a : s.as_array()) {
        auto& action = a.as_object();
        auto kind = actionKind(action.at("action").as_string());
        auto app = PathId::parse(action.at("app").as_string());
        if (!kind || !app) return Error("deployment " + d.id + ": a step's action is not valid");
        step.actions.push_back({*kind, *app, action.at("instances").to_number<int64_t>()});
      }
      d.steps.push_back(std::move(step));
    }
    d.currentStep = o.at("currentStep").to_number<size_t>();
    for (auto& [id, json] : o.at("original").as_object()) {
      auto app = parseApp(json);
      if (!app)
        return Error("deployment " + d.id + ": original app " + std::string(id) + ": " + app.errors().summary());
      d.original.emplace(std::string(id), std::move(app.value()));
    }
    d.status = std::string(o.at("status").as_string());
    d.message = std::string(o.at("message").as_string());
    d.startedAt = o.at("startedAt").to_number<double>();
    d.lastProgressAt = o.at("lastProgressAt").to_number<double>();
    d.endedAt = o.at("endedAt").to_number<double>();
    if (auto* v = member(o, "progressDeadlineSeconds")) d.progressDeadlineSeconds = v->to_number<double>();
    d.rollbackOnFailure = o.at("rollbackOnFailure").as_bool();
    if (auto* v = member(o, "rollbackId")) d.rollbackId = std::string(v->as_string());
    if (auto* v = member(o, "revertsId")) d.revertsId = std::string(v->as_string());
    d.progress = std::string(o.at("progress").as_string());
  } catch (const std::exception& e) {
    return Error("a deployment record is not valid: " + std::string(e.what()));
  }
  return d;
}

bj::value deploymentToJson(const Deployment& d, const bj::array& currentActions) {
  DeploymentPlan plan;
  plan.id = d.id;
  plan.version = d.version;
  plan.steps = d.steps;
  plan.affectedApps = d.affectedApps;
  int current = d.running() ? static_cast<int>(std::min(d.currentStep + 1, d.steps.size())) : 0;
  bj::value out = planToJson(plan, current, currentActions);
  auto& o = out.as_object();
  o["status"] = d.status;
  if (!d.message.empty()) o["message"] = d.message;
  if (d.rollbackId) o["rollbackDeploymentId"] = *d.rollbackId;
  if (d.revertsId) o["revertsDeploymentId"] = *d.revertsId;
  return out;
}

}  // namespace tepui::services
