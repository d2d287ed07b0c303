#include "services/instance.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "common/ids.hpp"
#include "common/iso_time.hpp"
#include "common/task_states.hpp"

namespace tepui::services {

namespace bj = boost::json;

namespace {

constexpr std::string_view kInstanceMarker = ".instance-";

bj::value timeOrNull(const std::optional<double>& t) {
  if (!t) return nullptr;
  return bj::value(iso_time::format(*t));
}

bj::array numbers(const std::vector<uint32_t>& ports) {
  bj::array out;
  for (uint32_t p : ports) out.emplace_back(p);
  return out;
}

// The health results with their times written by `time` (ISO text for the
// API, epoch seconds for the record).
template <typename TimeJson>
bj::object healthJson(const HealthState& h, TimeJson time) {
  bj::object o;
  o["alive"] = h.alive ? bj::value(*h.alive) : bj::value(nullptr);
  o["consecutiveFailures"] = h.consecutiveFailures;
  o["firstSuccess"] = time(h.firstSuccess);
  o["lastSuccess"] = time(h.lastSuccess);
  o["lastFailure"] = time(h.lastFailure);
  o["lastFailureCause"] = h.lastFailureCause.empty() ? bj::value(nullptr) : bj::value(h.lastFailureCause);
  return o;
}

const char* goalName(Instance::Goal goal) {
  switch (goal) {
    case Instance::Goal::RUNNING: return "Running";
    case Instance::Goal::STOPPED: return "Stopped";
    case Instance::Goal::DECOMMISSIONED: return "Decommissioned";
  }
  return "Running";
}

// Reading a record: each getter fails with the field's name.
struct Reader {
  const bj::object& o;
  std::string error;

  const bj::value* field(const char* name, bool required) {
    auto* v = o.if_contains(name);
    if ((!v || v->is_null()) && required && error.empty()) error = std::string("missing '") + name + "'";
    return v && !v->is_null() ? v : nullptr;
  }
  std::string str(const char* name, bool required = true) {
    auto* v = field(name, required);
    if (!v) return {};
    if (!v->is_string()) {
      if (error.empty()) error = std::string("'") + name + "' is not a string";
      return {};
    }
    return std::string(v->get_string());
  }
  bool flag(const char* name) {
    auto* v = field(name, false);
    if (!v) return false;
    if (!v->is_bool()) {
      if (error.empty()) error = std::string("'") + name + "' is not a boolean";
      return false;
    }
    return v->get_bool();
  }
  std::optional<double> num(const char* name, bool required = false) {
    auto* v = field(name, required);
    if (!v) return std::nullopt;
    if (!v->is_number()) {
      if (error.empty()) error = std::string("'") + name + "' is not a number";
      return std::nullopt;
    }
    return v->to_number<double>();
  }
  std::vector<uint32_t> ports(const char* name) {
    std::vector<uint32_t> out;
    auto* v = field(name, false);
    if (!v) return out;
    if (!v->is_array()) {
      if (error.empty()) error = std::string("'") + name + "' is not an array";
      return out;
    }
    for (auto& p : v->get_array()) {
      if (!p.is_number()) {
        if (error.empty()) error = std::string("'") + name + "' holds a non-number";
        return out;
      }
      out.push_back(p.to_number<uint32_t>());
    }
    return out;
  }
};

}  // namespace

void HealthState::record(bool passed, double now, const std::string& cause) {
  alive = passed;
  if (passed) {
    consecutiveFailures = 0;
    if (!firstSuccess) firstSuccess = now;
    lastSuccess = now;
  } else {
    consecutiveFailures++;
    lastFailure = now;
    lastFailureCause = cause;
  }
}

std::string Instance::condition(double now, std::optional<double> inactiveAfter) const {
  if (scheduled) return "Scheduled";
  switch (state) {
    case v1::TASK_STAGING: return "Staging";
    case v1::TASK_STARTING: return "Starting";
    case v1::TASK_RUNNING: return "Running";
    case v1::TASK_KILLING: return "Killing";
    case v1::TASK_FINISHED: return "Finished";
    case v1::TASK_FAILED: return "Failed";
    case v1::TASK_KILLED: return "Killed";
    case v1::TASK_ERROR: return "Error";
    case v1::TASK_DROPPED: return "Dropped";
    case v1::TASK_GONE:
    case v1::TASK_GONE_BY_OPERATOR: return "Gone";
    case v1::TASK_LOST:
    case v1::TASK_UNREACHABLE:
      if (inactiveAfter && unreachableSince && now - *unreachableSince >= *inactiveAfter) {
        return "UnreachableInactive";
      }
      return "Unreachable";
    default: return "Unknown";
  }
}

std::string newInstanceId(const std::string& appId) {
  std::string prefix = appId.starts_with('/') ? appId.substr(1) : appId;
  std::replace(prefix.begin(), prefix.end(), '/', '_');
  return prefix + std::string(kInstanceMarker) + ids::uuidString();
}

std::optional<std::string> appIdOf(const std::string& instanceId) {
  size_t at = instanceId.rfind(kInstanceMarker);
  if (at == std::string::npos || at == 0) return std::nullopt;
  std::string app = "/" + instanceId.substr(0, at);
  std::replace(app.begin(), app.end(), '_', '/');
  return app;
}

bj::object toTaskJson(const Instance& i) {
  bj::object o;
  o["id"] = i.id;
  o["appId"] = i.appId;
  o["host"] = i.host;
  if (i.region) o["region"] = *i.region;
  if (i.zone) o["zone"] = *i.zone;
  o["ports"] = numbers(i.ports);
  o["servicePorts"] = numbers(i.servicePorts);
  o["stagedAt"] = iso_time::format(i.stagedAt);
  o["startedAt"] = timeOrNull(i.startedAt);
  o["version"] = i.version;
  o["slaveId"] = i.agentId;
  o["state"] = v1::TaskState_Name(i.state);
  o["role"] = i.role;
  o["localVolumes"] = bj::array();
  // One entry per check once any has a result (alive null for a check
  // without one yet).
  bool known = i.health.alive.has_value();
  for (auto& c : i.checkResults) known = known || c.alive.has_value();
  bj::array health;
  const std::vector<HealthState> single{i.health};
  for (auto& c : i.checkResults.empty() ? single : i.checkResults) {
    if (!known) break;
    bj::object h = healthJson(c, timeOrNull);
    h["instanceId"] = i.id;
    health.push_back(std::move(h));
  }
  o["healthCheckResults"] = std::move(health);
  return o;
}

bj::object toRecord(const Instance& i) {
  bj::object o;
  o["id"] = i.id;
  o["appId"] = i.appId;
  o["version"] = i.version;
  o["configVersion"] = i.configVersion;
  o["goal"] = goalName(i.goal);
  o["scheduled"] = i.scheduled;
  o["ready"] = i.ready;
  o["state"] = v1::TaskState_Name(i.state);
  o["agentId"] = i.agentId;
  o["host"] = i.host;
  if (i.region) o["region"] = *i.region;
  if (i.zone) o["zone"] = *i.zone;
  bj::object attributes;
  for (auto& [name, value] : i.agentAttributes) attributes[name] = value;
  o["agentAttributes"] = std::move(attributes);
  o["ports"] = numbers(i.ports);
  o["servicePorts"] = numbers(i.servicePorts);
  o["role"] = i.role;
  o["stagedAt"] = i.stagedAt;
  if (i.startedAt) o["startedAt"] = *i.startedAt;
  if (i.unreachableSince) o["unreachableSince"] = *i.unreachableSince;
  o["message"] = i.message;
  bj::object h =
      healthJson(i.health, [](const std::optional<double>& t) { return t ? bj::value(*t) : bj::value(nullptr); });
  o["health"] = std::move(h);
  return o;
}

Result<Instance> fromRecord(const bj::value& record) {
  if (!record.is_object()) return Error("an instance record is not a JSON object");
  Reader r{record.get_object(), {}};
  Instance i;
  i.id = r.str("id");
  i.appId = r.str("appId");
  i.version = r.str("version");
  i.configVersion = r.str("configVersion");
  i.scheduled = r.flag("scheduled");
  i.ready = r.flag("ready");
  std::string goal = r.str("goal");
  std::string state = r.str("state");
  i.agentId = r.str("agentId", false);
  i.host = r.str("host", false);
  if (auto* v = record.get_object().if_contains("region"); v && v->is_string()) i.region = std::string(v->get_string());
  if (auto* v = record.get_object().if_contains("zone"); v && v->is_string()) i.zone = std::string(v->get_string());
  if (auto* a = record.get_object().if_contains("agentAttributes"); a && a->is_object()) {
    for (auto& [name, value] : a->get_object()) {
      if (value.is_string()) i.agentAttributes[std::string(name)] = std::string(value.get_string());
    }
  }
  i.ports = r.ports("ports");
  i.servicePorts = r.ports("servicePorts");
  i.role = r.str("role", false);
  i.stagedAt = r.num("stagedAt", true).value_or(0);
  i.startedAt = r.num("startedAt");
  i.unreachableSince = r.num("unreachableSince");
  i.message = r.str("message", false);
  if (auto* h = record.get_object().if_contains("health"); h && h->is_object()) {
    Reader hr{h->get_object(), {}};
    if (auto* alive = h->get_object().if_contains("alive"); alive && alive->is_bool())
      i.health.alive = alive->get_bool();
    i.health.consecutiveFailures = static_cast<int>(hr.num("consecutiveFailures").value_or(0));
    i.health.firstSuccess = hr.num("firstSuccess");
    i.health.lastSuccess = hr.num("lastSuccess");
    i.health.lastFailure = hr.num("lastFailure");
    i.health.lastFailureCause = hr.str("lastFailureCause", false);
    if (!hr.error.empty() && r.error.empty()) r.error = "health: " + hr.error;
  }
  if (!r.error.empty()) return Error("instance record: " + r.error);
  if (goal == "Running") {
    i.goal = Instance::Goal::RUNNING;
  } else if (goal == "Stopped") {
    i.goal = Instance::Goal::STOPPED;
  } else if (goal == "Decommissioned") {
    i.goal = Instance::Goal::DECOMMISSIONED;
  } else {
    return Error("instance record: unknown goal '" + goal + "'");
  }
  if (!v1::TaskState_Parse(state, &i.state)) return Error("instance record: unknown state '" + state + "'");
  return i;
}

}  // namespace tepui::services
