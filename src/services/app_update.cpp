#include "services/app_update.hpp"

#include <boost/json/object.hpp>
#include <cstdio>
#include <ctime>

#include "services/app_json.hpp"

namespace tepui::services {

namespace bj = boost::json;

bool sameConfig(const AppDefinition& a, const AppDefinition& b) {
  AppDefinition x = a;
  x.instances = b.instances;
  x.version = b.version;
  x.versionInfo = b.versionInfo;
  return x == b;
}

bool needsRestart(const AppDefinition& old, const AppDefinition& next) {
  if (!sameConfig(old, next)) return true;
  const std::string& before = old.versionInfo.lastConfigChangeAt;
  const std::string& after = next.versionInfo.lastConfigChangeAt;
  return !before.empty() && !after.empty() && before != after;
}

bool isScaleOnly(const AppDefinition& old, const AppDefinition& next) {
  return old.instances != next.instances && !needsRestart(old, next);
}

AppDefinition stampVersion(const AppDefinition* old, AppDefinition next, const std::string& version,
                           bool forceRestart) {
  if (old == nullptr || forceRestart || !sameConfig(*old, next)) {
    next.version = version;
    next.versionInfo = VersionInfo{.lastScalingAt = version, .lastConfigChangeAt = version};
  } else if (old->instances != next.instances) {
    next.version = version;
    next.versionInfo = VersionInfo{.lastScalingAt = version, .lastConfigChangeAt = old->versionInfo.lastConfigChangeAt};
  } else {
    next.version = old->version;
    next.versionInfo = old->versionInfo;
  }
  return next;
}

Validated<AppDefinition> patchApp(const AppDefinition& existing, const bj::value& patch) {
  if (!patch.is_object()) {
    ValidationErrors errors;
    errors.add("/", "expected an object");
    return errors;
  }
  bj::object merged = appToJson(existing).get_object();
  const bj::object& changes = patch.get_object();
  // One of an exclusive (or derived) pair set alone replaces the other too.
  for (auto [a, b] : {std::pair{"cmd", "args"}, {"portDefinitions", "ports"}, {"fetch", "uris"}}) {
    if (changes.contains(a) && !changes.contains(b)) merged.erase(b);
    if (changes.contains(b) && !changes.contains(a)) merged.erase(a);
  }
  for (const auto& [key, value] : changes) {
    if (value.is_null()) {
      merged.erase(key);
    } else {
      merged[key] = value;
    }
  }
  return parseApp(merged, existing.id.parent());
}

}  // namespace tepui::services
