// Pure validators for scheduler input (see validation.hpp).
#include "master/validation.hpp"

#include <cmath>

#include "checks/checks.hpp"
#include "common/ids.hpp"
#include "common/resources.hpp"

namespace tepui::master::validation {

namespace {

using Call = v1::scheduler::Call;

bool hasCapability(const v1::FrameworkInfo& info, v1::FrameworkInfo::Capability::Type type) {
  for (auto& c : info.capabilities()) {
    if (c.type() == type) return true;
  }
  return false;
}

std::optional<Error> id(const std::string& what, const std::string& value) {
  auto why = ids::invalidIdReason(value);
  if (why.empty()) return std::nullopt;
  return Error(what + " '" + value + "' " + why);
}

std::optional<Error> executor(const v1::ExecutorInfo& info) {
  if (auto e = id("executor id", info.executor_id().value())) return e;
  if (auto e = Resources::validate(info.resources())) return e->context("invalid executor resources");
  return std::nullopt;
}

std::optional<Error> seconds(const std::string& what, double value) {
  if (!std::isfinite(value) || value < 0) return Error(what + " must be a non-negative number");
  return std::nullopt;
}

}  // namespace

std::optional<Error> role(const std::string& r) {
  if (r == "*") return std::nullopt;
  if (r.empty()) return Error("role must not be empty");
  if (r.front() == '/' || r.back() == '/') return Error("role '" + r + "' must not start or end with '/'");
  size_t start = 0;
  while (start <= r.size()) {
    size_t slash = r.find('/', start);
    std::string level = r.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (level.empty() || level == "." || level == "..") {
      return Error("role '" + r + "' has an empty, '.' or '..' component");
    }
    if (level.front() == '-') return Error("role '" + r + "' has a component starting with '-'");
    if (level == "*") return Error("role '" + r + "' has a '*' component");
    for (unsigned char c : level) {
      if (c <= 0x20 || c == 0x7f || c == '\b') {
        return Error("role '" + r + "' contains whitespace or a control character");
      }
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return std::nullopt;
}

std::optional<Error> schedulerCall(const Call& call) {
  if (!call.has_type()) return Error("Expecting 'type' to be present");
  auto need = [&](bool present, const char* field) -> std::optional<Error> {
    if (present) return std::nullopt;
    return Error(std::string("Expecting '") + field + "' to be present");
  };
  if (call.type() != Call::SUBSCRIBE && !call.has_framework_id()) {
    return Error("Expecting 'framework_id' to be present");
  }
  switch (call.type()) {
    case Call::SUBSCRIBE:
      if (!call.has_subscribe()) return Error("Expecting 'subscribe' to be present");
      if (call.has_framework_id() && (!call.subscribe().framework_info().has_id() ||
                                      call.subscribe().framework_info().id().value() != call.framework_id().value())) {
        return Error("'framework_id' differs from 'subscribe.framework_info.id'");
      }
      return std::nullopt;
    case Call::ACCEPT: return need(call.has_accept(), "accept");
    case Call::DECLINE: return need(call.has_decline(), "decline");
    case Call::ACCEPT_INVERSE_OFFERS: return need(call.has_accept_inverse_offers(), "accept_inverse_offers");
    case Call::DECLINE_INVERSE_OFFERS: return need(call.has_decline_inverse_offers(), "decline_inverse_offers");
    case Call::KILL: return need(call.has_kill(), "kill");
    case Call::SHUTDOWN: return need(call.has_shutdown(), "shutdown");
    case Call::ACKNOWLEDGE: {
      if (auto e = need(call.has_acknowledge(), "acknowledge")) return e;
      if (call.acknowledge().uuid().size() != 16) return Error("'acknowledge.uuid' is not a valid UUID");
      return std::nullopt;
    }
    case Call::ACKNOWLEDGE_OPERATION_STATUS:
      return need(call.has_acknowledge_operation_status(), "acknowledge_operation_status");
    case Call::RECONCILE: return need(call.has_reconcile(), "reconcile");
    case Call::RECONCILE_OPERATIONS: return need(call.has_reconcile_operations(), "reconcile_operations");
    case Call::MESSAGE: return need(call.has_message(), "message");
    case Call::REQUEST: return need(call.has_request(), "request");
    case Call::UPDATE_FRAMEWORK: return need(call.has_update_framework(), "update_framework");
    default: return std::nullopt;  // TEARDOWN, REVIVE, SUPPRESS: no payload needed
  }
}

std::set<std::string> frameworkRoles(const v1::FrameworkInfo& info) {
  if (hasCapability(info, v1::FrameworkInfo::Capability::MULTI_ROLE)) {
    return {info.roles().begin(), info.roles().end()};
  }
  return {info.role()};
}

std::optional<Error> frameworkInfo(const v1::FrameworkInfo& info) {
  if (info.has_id()) {
    if (auto e = id("framework id", info.id().value())) return e;
  }
  if (auto e = seconds("'failover_timeout'", info.failover_timeout())) return e;
  bool multiRole = hasCapability(info, v1::FrameworkInfo::Capability::MULTI_ROLE);
  if (!multiRole && info.roles_size() > 0) {
    return Error("'roles' can only be set by frameworks with the MULTI_ROLE capability");
  }
  if (multiRole && info.has_role()) {
    return Error("'role' cannot be set by frameworks with the MULTI_ROLE capability; use 'roles'");
  }
  std::set<std::string> seen;
  for (auto& r : frameworkRoles(info)) {
    if (auto e = role(r)) return e;
    seen.insert(r);
  }
  if (multiRole && static_cast<int>(seen.size()) != info.roles_size()) return Error("'roles' contains duplicates");
  return std::nullopt;
}

std::optional<Error> task(const v1::TaskInfo& task, const std::string& agentId) {
  if (auto e = id("task id", task.task_id().value())) return e;
  if (task.agent_id().value() != agentId) {
    return Error("task uses agent id '" + task.agent_id().value() + "' but its offers are for agent '" + agentId + "'");
  }
  if (task.has_command() == task.has_executor()) {
    return Error("task must have exactly one of 'command' and 'executor'");
  }
  if (task.has_command() && !task.command().shell() && !task.command().has_value()) {
    return Error("'command.value' is required when 'command.shell' is false");
  }
  if (task.has_command() && task.command().shell() && task.command().value().empty()) {
    return Error("'command.value' must not be empty");
  }
  if (auto e = Resources::validate(task.resources())) return e->context("invalid task resources");
  if (task.resources_size() == 0) return Error("task uses no resources");
  if (task.has_executor()) {
    if (auto e = executor(task.executor())) return e;
    if (!task.executor().has_command()) {
      return Error("executor must have a 'command' (DEFAULT executors run task groups, through LAUNCH_GROUP)");
    }
  }
  if (task.has_kill_policy() && task.kill_policy().has_grace_period() &&
      task.kill_policy().grace_period().nanoseconds() < 0) {
    return Error("'kill_policy.grace_period' must be non-negative");
  }
  if (task.has_max_completion_time() && task.max_completion_time().nanoseconds() < 0) {
    return Error("'max_completion_time' must be non-negative");
  }
  if (auto valid = checks::validateChecks(task); !valid) return valid.error();
  return std::nullopt;
}

std::optional<Error> taskGroup(const v1::ExecutorInfo& info, const v1::TaskGroupInfo& group,
                               const std::string& agentId) {
  if (group.tasks_size() == 0) return Error("task group has no tasks");
  if (auto e = executor(info)) return e;
  bool isDefault = info.has_type() ? info.type() == v1::ExecutorInfo::DEFAULT : !info.has_command();
  if (isDefault && info.has_command()) return Error("a DEFAULT executor must not have a 'command'");
  if (!isDefault && !info.has_command()) return Error("a CUSTOM executor must have a 'command'");
  std::set<std::string> ids;
  for (auto& t : group.tasks()) {
    if (t.has_executor()) return Error("task '" + t.task_id().value() + "' of a task group must not set 'executor'");
    if (!t.has_command()) return Error("task '" + t.task_id().value() + "' of a task group must have a 'command'");
    if (auto e = task(t, agentId)) return e->context("task '" + t.task_id().value() + "'");
    if (!ids.insert(t.task_id().value()).second) {
      return Error("task id '" + t.task_id().value() + "' appears more than once in the group");
    }
  }
  return std::nullopt;
}

}  // namespace tepui::master::validation
