#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "services/app_json.hpp"
#include "services/app_parse_internal.hpp"

namespace tepui::services {

namespace bj = boost::json;
using app_parse::readConstraints;
using app_parse::readFetch;
using app_parse::readHealthChecks;
using app_parse::readPorts;
using app_parse::readReadinessChecks;
using app_parse::readStrategies;

namespace {

bool validEnvName(const std::string& name) {
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (name.empty() || !letter(name[0])) return false;
  for (char c : name) {
    if (!letter(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

void readId(const ObjectReader& r, const PathId& base, AppDefinition* app) {
  if (!r.has("id")) {
    r.fail("id", "an app needs an id");
    return;
  }
  std::optional<std::string> text = r.string("id");
  if (!text) return;
  Result<PathId> id = PathId::parse(*text, base);
  if (!id.ok()) {
    r.fail("id", id.error().message);
  } else if (id->isRoot()) {
    r.fail("id", "an app id cannot be the root group '/'");
  } else {
    app->id = *id;
  }
}

void readCommand(const ObjectReader& r, AppDefinition* app) {
  app->cmd = r.string("cmd");
  if (app->cmd && app->cmd->empty()) r.fail("cmd", "must not be empty");
  if (auto args = r.strings("args")) app->args = *args;
  if (r.has("container")) {
    if (r.find("container")->is_object()) {
      app->container = *r.find("container");
    } else {
      r.fail("container", "expected an object");
    }
  }
  if (r.has("cmd") && !app->args.empty()) {
    r.errors()->add("/", "cmd and args are mutually exclusive: give one of them");
  } else if (!r.has("cmd") && app->args.empty() && !r.has("container")) {
    r.errors()->add("/", "an app needs one of cmd or args, or a container");
  }
}

void readResources(const ObjectReader& r, AppDefinition* app) {
  if (auto v = r.numberAtLeast("cpus", 0.001)) app->cpus = *v;
  if (auto v = r.numberAtLeast("mem", 0)) app->mem = *v;
  if (auto v = r.numberAtLeast("disk", 0)) app->disk = *v;
  if (auto v = r.integerAtLeast("gpus", 0)) app->gpus = *v;
  if (auto v = r.integerAtLeast("instances", 0)) app->instances = *v;
}

void readEnv(const ObjectReader& r, AppDefinition* app) {
  const bj::value* secrets = r.find("secrets");
  if (secrets != nullptr && !(secrets->is_object() && secrets->get_object().empty())) {
    r.fail("secrets", "secrets are not supported: Tepui has no secret store");
  }
  const bj::value* env = r.find("env");
  if (env == nullptr) return;
  if (!env->is_object()) {
    r.fail("env", "expected an object of string values");
    return;
  }
  for (const auto& [key, value] : env->get_object()) {
    std::string name(key);
    std::string path = subPath(r.pathOf("env"), name);
    if (!validEnvName(name)) {
      r.errors()->add(path, "environment variable names must match [a-zA-Z_][a-zA-Z0-9_]*");
    }
    if (value.is_object() && value.get_object().contains("secret")) {
      r.errors()->add(path, "secret references are not supported: Tepui has no secret store");
    } else if (auto s = readString(value, path, r.errors())) {
      app->env[name] = *s;
    }
  }
}

void readDependencies(const ObjectReader& r, AppDefinition* app) {
  const bj::array* deps = r.array("dependencies");
  if (deps == nullptr) return;
  for (size_t i = 0; i < deps->size(); ++i) {
    std::string path = indexPath(r.pathOf("dependencies"), i);
    std::optional<std::string> text = readString((*deps)[i], path, r.errors());
    if (!text) continue;
    // Without a valid app id, relative dependencies have nothing to resolve
    // against; the id's own error says what to fix first.
    if (app->id.isRoot() && !text->starts_with("/")) continue;
    Result<PathId> id = PathId::parse(*text, app->id.parent());
    if (id.ok()) {
      app->dependencies.push_back(*id);
    } else {
      r.errors()->add(path, id.error().message);
    }
  }
}

void readPlacementAndIdentity(const ObjectReader& r, AppDefinition* app) {
  if (auto v = r.string("executor")) app->executor = *v;
  if (auto v = r.stringMap("labels")) app->labels = *v;
  app->user = r.string("user");
  if (app->user && app->user->empty()) r.fail("user", "must not be empty");
  app->role = r.string("role");
  if (app->role && app->role->empty()) r.fail("role", "must not be empty");
  if (auto roles = r.strings("acceptedResourceRoles")) {
    for (size_t i = 0; i < roles->size(); ++i) {
      if ((*roles)[i].empty()) r.errors()->add(indexPath(r.pathOf("acceptedResourceRoles"), i), "must not be empty");
    }
    app->acceptedResourceRoles = *roles;
  }
}

void readVersion(const ObjectReader& r, AppDefinition* app) {
  if (auto v = r.string("version")) app->version = *v;
  if (!r.has("versionInfo")) return;
  ObjectReader info(*r.find("versionInfo"), r.pathOf("versionInfo"), r.errors());
  if (auto v = info.string("lastScalingAt")) app->versionInfo.lastScalingAt = *v;
  if (auto v = info.string("lastConfigChangeAt")) app->versionInfo.lastConfigChangeAt = *v;
}

// Rules that tie health and readiness checks to the app's ports. With a
// container, ports may come from its (opaque) port mappings, so they are
// left to the runtime.
void checkPortReferences(const ObjectReader& r, const AppDefinition& app) {
  if (app.container) return;
  for (size_t i = 0; i < app.healthChecks.size(); ++i) {
    const HealthCheck& check = app.healthChecks[i];
    if (check.portIndex && *check.portIndex >= static_cast<int64_t>(app.portDefinitions.size())) {
      r.errors()->add(subPath(indexPath(r.pathOf("healthChecks"), i), "portIndex"),
                      "no port definition at index " + std::to_string(*check.portIndex) + " (the app has " +
                          std::to_string(app.portDefinitions.size()) + ")");
    }
  }
  for (size_t i = 0; i < app.readinessChecks.size(); ++i) {
    const std::string& name = app.readinessChecks[i].portName;
    bool found = false;
    for (const PortDefinition& port : app.portDefinitions) found = found || port.name == name;
    if (!found) {
      r.errors()->add(subPath(indexPath(r.pathOf("readinessChecks"), i), "portName"),
                      "no port definition is named '" + name + "'");
    }
  }
}

}  // namespace

Validated<AppDefinition> parseApp(const bj::value& json, const PathId& base) {
  ValidationErrors errors;
  ObjectReader r(json, "/", &errors);
  if (!r.isObject()) return errors;
  AppDefinition app;
  readId(r, base, &app);
  readCommand(r, &app);
  readResources(r, &app);
  readEnv(r, &app);
  readDependencies(r, &app);
  readPlacementAndIdentity(r, &app);
  readFetch(r, &app);
  readConstraints(r, &app);
  readPorts(r, &app);
  readHealthChecks(r, &app);
  readReadinessChecks(r, &app);
  readStrategies(r, &app);
  readVersion(r, &app);
  checkPortReferences(r, app);
  if (!errors.empty()) return errors;
  return app;
}

}  // namespace tepui::services
