// Validation of HealthCheck and CheckInfo (see checks.hpp). Each error names
// the field relative to the message being validated; the caller adds which
// message that is.
#include <cmath>
#include <initializer_list>
#include <sstream>
#include <utility>

#include "checks/checks.hpp"

namespace tepui::checks {

namespace {

Status seconds(std::initializer_list<std::pair<const char*, double>> fields) {
  for (auto [name, value] : fields) {
    if (!std::isfinite(value) || value < 0) {
      std::ostringstream got;
      got << value;
      return Error("'" + std::string(name) + "' must be a non-negative number of seconds, got " + got.str());
    }
  }
  return okStatus();
}

Status port(const std::string& field, uint32_t value) {
  if (value < 1 || value > 65535) {
    return Error("'" + field + "' must be between 1 and 65535, got " + std::to_string(value));
  }
  return okStatus();
}

Status path(const std::string& field, const std::string& value) {
  if (!value.empty() && value[0] != '/') return Error("'" + field + "' must start with '/', got '" + value + "'");
  return okStatus();
}

Status command(const std::string& field, const v1::CommandInfo& info) {
  if (info.shell() && info.value().empty()) return Error("'" + field + ".value' must not be empty");
  if (!info.shell() && !info.has_value()) {
    return Error("'" + field + ".value' is required when '" + field + ".shell' is false");
  }
  return okStatus();
}

Status missing(const std::string& field, const std::string& type) {
  return Error("'" + field + "' must be set when 'type' is " + type);
}

// What HealthCheck and CheckInfo share: the type, its sub-message, and the
// three timings. `commandInfo` is where each keeps its CommandInfo.
template <typename Check>
Status typeAndTimings(const Check& check, const v1::CommandInfo& commandInfo, const std::string& commandField) {
  Status valid;
  switch (check.type()) {
    case Check::COMMAND:
      valid = check.has_command() ? command(commandField, commandInfo) : missing("command", "COMMAND");
      break;
    case Check::HTTP:
      if (!check.has_http()) return missing("http", "HTTP");
      if (valid = port("http.port", check.http().port()); valid) valid = path("http.path", check.http().path());
      break;
    case Check::TCP: valid = check.has_tcp() ? port("tcp.port", check.tcp().port()) : missing("tcp", "TCP"); break;
    default: return Error("'type' must be COMMAND, HTTP or TCP");
  }
  if (!valid) return valid;
  return seconds({{"delay_seconds", check.delay_seconds()},
                  {"interval_seconds", check.interval_seconds()},
                  {"timeout_seconds", check.timeout_seconds()}});
}

}  // namespace

Status validateHealthCheck(const v1::HealthCheck& check) {
  if (auto s = typeAndTimings(check, check.command(), "command"); !s) return s;
  if (check.type() == v1::HealthCheck::HTTP && check.http().has_scheme()) {
    const auto& scheme = check.http().scheme();
    if (scheme == "https") {
      return Error("'http.scheme' https is not supported: Tepui runs HTTP health checks over plain http");
    }
    if (scheme != "http") return Error("'http.scheme' must be 'http', got '" + scheme + "'");
  }
  return seconds({{"grace_period_seconds", check.grace_period_seconds()}});
}

Status validateCheck(const v1::CheckInfo& check) {
  return typeAndTimings(check, check.command().command(), "command.command");
}

Status validateChecks(const v1::TaskInfo& task) {
  if (task.has_health_check()) {
    if (auto s = validateHealthCheck(task.health_check()); !s) return s.error().context("invalid health_check");
  }
  if (task.has_check()) {
    if (auto s = validateCheck(task.check()); !s) return s.error().context("invalid check");
  }
  return okStatus();
}

}  // namespace tepui::checks
