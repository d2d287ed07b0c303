// The app's health checks and readiness checks: their fields, defaults and
// rules (protocols, which fields each protocol takes, no mixing of checks
// the scheduler runs with checks the agent runs, at most one agent-run
// check, at most one readiness check whose timeout is below its interval).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "services/app_parse_internal.hpp"

namespace tepui::services {

bool runsOnAgent(const HealthCheck& check) {
  return check.protocol == "COMMAND" || check.protocol.starts_with("MESOS_");
}

bool probesHttp(const std::string& protocol) {
  return protocol == "HTTP" || protocol == "HTTPS" || protocol == "MESOS_HTTP" || protocol == "MESOS_HTTPS";
}

bool schedulerProbes(const AppDefinition& app) {
  // Validation leaves only HTTP and TCP checks when there are several.
  return app.healthChecks.size() > 1;
}

namespace app_parse {

namespace bj = boost::json;

namespace {

bool isKnownProtocol(const std::string& protocol) {
  return probesHttp(protocol) || protocol == "TCP" || protocol == "COMMAND" || protocol == "MESOS_TCP";
}

void readCommand(const ObjectReader& r, HealthCheck* check) {
  if (check->protocol != "COMMAND") {
    if (r.has("command")) r.fail("command", "only COMMAND health checks take a command");
    return;
  }
  if (!r.has("command")) {
    r.fail("command", "a COMMAND health check needs command: {\"value\": \"...\"}");
    return;
  }
  ObjectReader command(*r.find("command"), r.pathOf("command"), r.errors());
  std::optional<std::string> value = command.string("value");
  if (command.isObject() && (!command.has("value") || (value && value->empty()))) {
    command.fail("value", "a COMMAND health check needs a non-empty command value");
  }
  check->command = value;
}

// port wins over portIndex; a check that probes a port and names neither
// probes the first port (portIndex 0). COMMAND checks probe no port.
void readPort(const ObjectReader& r, HealthCheck* check) {
  std::optional<int64_t> port = r.integerAtLeast("port", 0);
  if (port && *port > 65535) {
    r.fail("port", "must be between 0 and 65535");
    port.reset();
  }
  std::optional<int64_t> portIndex = r.integerAtLeast("portIndex", 0);
  if (check->protocol == "COMMAND") return;
  if (port) {
    check->port = port;
  } else {
    check->portIndex = portIndex.value_or(0);
  }
}

std::optional<HealthCheck> readHealthCheck(const bj::value& v, const std::string& path, ValidationErrors* errors) {
  ObjectReader r(v, path, errors);
  if (!r.isObject()) return std::nullopt;
  HealthCheck check;
  if (auto protocol = r.string("protocol")) {
    if (isKnownProtocol(*protocol)) {
      check.protocol = *protocol;
    } else {
      r.fail("protocol", "must be one of HTTP, HTTPS, TCP, COMMAND, MESOS_HTTP, MESOS_HTTPS, MESOS_TCP");
    }
  }
  if (auto p = r.string("path")) {
    if (probesHttp(check.protocol)) {
      check.path = *p;
    } else {
      r.fail("path", "only HTTP and HTTPS health checks take a path");
    }
  }
  readCommand(r, &check);
  readPort(r, &check);
  if (auto x = r.integerAtLeast("gracePeriodSeconds", 0)) check.gracePeriodSeconds = *x;
  if (auto x = r.integerAtLeast("intervalSeconds", 1)) check.intervalSeconds = *x;
  if (auto x = r.integerAtLeast("timeoutSeconds", 1)) check.timeoutSeconds = *x;
  if (auto x = r.integerAtLeast("maxConsecutiveFailures", 0)) check.maxConsecutiveFailures = *x;
  if (auto x = r.integerAtLeast("delaySeconds", 0)) check.delaySeconds = *x;
  if (auto x = r.boolean("ignoreHttp1xx")) check.ignoreHttp1xx = *x;
  if (auto x = r.string("ipProtocol")) {
    if (*x == "IPv4" || *x == "IPv6") {
      check.ipProtocol = *x;
    } else {
      r.fail("ipProtocol", "must be IPv4 or IPv6");
    }
  }
  return check;
}

std::optional<ReadinessCheck> readReadinessCheck(const bj::value& v, const std::string& path,
                                                 ValidationErrors* errors) {
  ObjectReader r(v, path, errors);
  if (!r.isObject()) return std::nullopt;
  ReadinessCheck check;
  if (auto x = r.string("name")) check.name = *x;
  if (check.name.empty()) r.fail("name", "must not be empty");
  if (auto x = r.string("protocol")) {
    if (*x == "HTTP" || *x == "HTTPS") {
      check.protocol = *x;
    } else {
      r.fail("protocol", "must be HTTP or HTTPS");
    }
  }
  if (auto x = r.string("path")) check.path = *x;
  if (auto x = r.string("portName")) check.portName = *x;
  if (auto x = r.integerAtLeast("intervalSeconds", 1)) check.intervalSeconds = *x;
  if (auto x = r.integerAtLeast("timeoutSeconds", 1)) check.timeoutSeconds = *x;
  if (check.timeoutSeconds >= check.intervalSeconds) {
    r.fail("timeoutSeconds", "must be less than intervalSeconds (" + std::to_string(check.intervalSeconds) + ")");
  }
  if (const bj::array* codes = r.array("httpStatusCodesForReady")) {
    check.httpStatusCodesForReady.clear();
    for (size_t i = 0; i < codes->size(); ++i) {
      std::string at = indexPath(r.pathOf("httpStatusCodesForReady"), i);
      std::optional<int64_t> code = readInteger((*codes)[i], at, errors);
      if (code && (*code < 100 || *code > 599)) {
        errors->add(at, "must be an HTTP status code (100 to 599)");
      } else if (code) {
        check.httpStatusCodesForReady.push_back(*code);
      }
    }
    if (codes->empty()) r.fail("httpStatusCodesForReady", "must name at least one status code");
  }
  if (auto x = r.boolean("preserveLastResponse")) check.preserveLastResponse = *x;
  return check;
}

}  // namespace

void readHealthChecks(const ObjectReader& r, AppDefinition* app) {
  const bj::array* list = r.array("healthChecks");
  if (list == nullptr) return;
  std::vector<size_t> at;  // each kept check's index in the list
  for (size_t i = 0; i < list->size(); ++i) {
    if (auto check = readHealthCheck((*list)[i], indexPath(r.pathOf("healthChecks"), i), r.errors())) {
      app->healthChecks.push_back(*check);
      at.push_back(i);
    }
  }
  // Reported at the offending check: the first whose level differs from the
  // first check's, or the second agent-run one.
  std::optional<size_t> firstOnAgent;
  for (size_t k = 0; k < app->healthChecks.size(); ++k) {
    std::string path = indexPath(r.pathOf("healthChecks"), at[k]);
    bool onAgent = runsOnAgent(app->healthChecks[k]);
    if (onAgent != runsOnAgent(app->healthChecks.front())) {
      r.errors()->add(path,
                      "checks run by the services scheduler (HTTP, HTTPS, TCP) and checks run on the agent "
                      "(COMMAND, MESOS_HTTP, MESOS_HTTPS, MESOS_TCP) cannot be mixed in one app");
      return;
    }
    if (onAgent && firstOnAgent) {
      r.errors()->add(path,
                      "an app can have at most one agent-run health check (COMMAND or MESOS_*): a task carries "
                      "one; this is the second");
      return;
    }
    if (onAgent) firstOnAgent = k;
  }
}

void readReadinessChecks(const ObjectReader& r, AppDefinition* app) {
  const bj::array* list = r.array("readinessChecks");
  if (list == nullptr) return;
  if (list->size() > 1) r.fail("readinessChecks", "an app can have at most one readiness check");
  for (size_t i = 0; i < list->size(); ++i) {
    if (auto check = readReadinessCheck((*list)[i], indexPath(r.pathOf("readinessChecks"), i), r.errors())) {
      app->readinessChecks.push_back(*check);
    }
  }
}

}  // namespace app_parse
}  // namespace tepui::services
