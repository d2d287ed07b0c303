// appToJson: the full Marathon-compatible app shape, every default written.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "services/app_json.hpp"

namespace tepui::services {

namespace bj = boost::json;

namespace {

bj::array stringArray(const std::vector<std::string>& values) {
  bj::array out;
  for (const std::string& v : values) out.emplace_back(v);
  return out;
}

bj::object stringObject(const std::map<std::string, std::string>& values) {
  bj::object out;
  for (const auto& [k, v] : values) out[k] = v;
  return out;
}

bj::value portDefinitionJson(const PortDefinition& p) {
  bj::object out{{"port", p.port}, {"protocol", p.protocol}, {"labels", stringObject(p.labels)}};
  if (p.name) out["name"] = *p.name;
  return out;
}

bj::value fetchJson(const FetchUri& f) {
  bj::object out{{"uri", f.uri}, {"extract", f.extract}, {"executable", f.executable}, {"cache", f.cache}};
  if (f.destPath) out["destPath"] = *f.destPath;
  return out;
}

bj::value readinessCheckJson(const ReadinessCheck& r) {
  bj::array codes;
  for (int64_t c : r.httpStatusCodesForReady) codes.emplace_back(c);
  return bj::object{{"name", r.name},
                    {"protocol", r.protocol},
                    {"path", r.path},
                    {"portName", r.portName},
                    {"intervalSeconds", r.intervalSeconds},
                    {"timeoutSeconds", r.timeoutSeconds},
                    {"httpStatusCodesForReady", std::move(codes)},
                    {"preserveLastResponse", r.preserveLastResponse}};
}

bj::value upgradeStrategyJson(const UpgradeStrategy& u) {
  bj::object out{{"minimumHealthCapacity", u.minimumHealthCapacity},
                 {"maximumOverCapacity", u.maximumOverCapacity},
                 {"rollbackOnFailure", u.rollbackOnFailure}};
  if (u.progressDeadlineSeconds) out["progressDeadlineSeconds"] = *u.progressDeadlineSeconds;
  return out;
}

bj::value unreachableStrategyJson(const UnreachableStrategy& u) {
  if (!u.enabled) return "disabled";
  return bj::object{{"inactiveAfterSeconds", u.inactiveAfterSeconds}, {"expungeAfterSeconds", u.expungeAfterSeconds}};
}

template <typename T, typename F>
bj::array mapArray(const std::vector<T>& values, F f) {
  bj::array out;
  for (const T& v : values) out.push_back(f(v));
  return out;
}

}  // namespace

bj::value healthCheckJson(const HealthCheck& h) {
  bj::object out{{"protocol", h.protocol},
                 {"gracePeriodSeconds", h.gracePeriodSeconds},
                 {"intervalSeconds", h.intervalSeconds},
                 {"timeoutSeconds", h.timeoutSeconds},
                 {"maxConsecutiveFailures", h.maxConsecutiveFailures},
                 {"delaySeconds", h.delaySeconds},
                 {"ignoreHttp1xx", h.ignoreHttp1xx},
                 {"ipProtocol", h.ipProtocol}};
  if (probesHttp(h.protocol)) out["path"] = h.path;
  if (h.port) out["port"] = *h.port;
  if (h.portIndex) out["portIndex"] = *h.portIndex;
  if (h.command) out["command"] = bj::object{{"value", *h.command}};
  return out;
}

bj::value appToJson(const AppDefinition& app) {
  bj::object out;
  out["id"] = app.id.toString();
  if (app.cmd) out["cmd"] = *app.cmd;
  if (!app.args.empty()) out["args"] = stringArray(app.args);
  out["cpus"] = app.cpus;
  out["mem"] = app.mem;
  out["disk"] = app.disk;
  out["gpus"] = app.gpus;
  out["instances"] = app.instances;
  out["executor"] = app.executor;
  out["env"] = stringObject(app.env);
  out["labels"] = stringObject(app.labels);
  out["fetch"] = mapArray(app.fetch, fetchJson);
  out["constraints"] = mapArray(app.constraints, stringArray);
  out["portDefinitions"] = mapArray(app.portDefinitions, portDefinitionJson);
  out["ports"] = mapArray(app.portDefinitions, [](const PortDefinition& p) { return bj::value(p.port); });
  out["requirePorts"] = app.requirePorts;
  out["healthChecks"] = mapArray(app.healthChecks, healthCheckJson);
  out["readinessChecks"] = mapArray(app.readinessChecks, readinessCheckJson);
  out["upgradeStrategy"] = upgradeStrategyJson(app.upgradeStrategy);
  out["backoffSeconds"] = app.backoffSeconds;
  out["backoffFactor"] = app.backoffFactor;
  out["maxLaunchDelaySeconds"] = app.maxLaunchDelaySeconds;
  if (app.taskKillGracePeriodSeconds) out["taskKillGracePeriodSeconds"] = *app.taskKillGracePeriodSeconds;
  out["killSelection"] = app.killSelection == KillSelection::kOldestFirst ? "OLDEST_FIRST" : "YOUNGEST_FIRST";
  out["unreachableStrategy"] = unreachableStrategyJson(app.unreachableStrategy);
  out["dependencies"] = mapArray(app.dependencies, [](const PathId& d) { return bj::value(d.toString()); });
  if (app.user) out["user"] = *app.user;
  out["acceptedResourceRoles"] = stringArray(app.acceptedResourceRoles);
  if (app.role) out["role"] = *app.role;
  if (app.container) out["container"] = *app.container;
  if (!app.version.empty()) {
    out["version"] = app.version;
    out["versionInfo"] = bj::object{{"lastScalingAt", app.versionInfo.lastScalingAt},
                                    {"lastConfigChangeAt", app.versionInfo.lastConfigChangeAt}};
  }
  return out;
}

}  // namespace tepui::services
