// AppDefinition: one Marathon-compatible app (`/v2/apps` body) as the
// services scheduler keeps it, with every default applied. Values here are
// always valid: the only way in from JSON is parseApp() (app_json.hpp), which
// validates. Defaults follow the reference's RAML defaults; where it offers
// several (unreachableStrategy) or where Tepui extends the shape
// (upgradeStrategy's progressDeadlineSeconds and rollbackOnFailure), the
// choice is written in docs/design/services-model.md. `container` is kept as
// opaque JSON (the runtime and the executor read it). Pure data; equality
// compares every field.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/path_id.hpp"

namespace tepui::services {

struct PortDefinition {
  int64_t port = 0;                 // 0: a random host port (and an assigned service port)
  std::string protocol = "tcp";     // "tcp", "udp" or "udp,tcp"
  std::optional<std::string> name;  // PORT_<NAME> in the task's environment
  std::map<std::string, std::string> labels;
  bool operator==(const PortDefinition&) const = default;
};

struct FetchUri {
  std::string uri;
  bool extract = true;
  bool executable = false;
  bool cache = false;
  std::optional<std::string> destPath;
  bool operator==(const FetchUri&) const = default;
};

struct HealthCheck {
  // HTTP, HTTPS, TCP (run by the services scheduler), COMMAND, MESOS_HTTP,
  // MESOS_HTTPS, MESOS_TCP (run on the agent).
  std::string protocol = "HTTP";
  std::string path = "/";  // HTTP-like protocols only
  // Which port to probe: `port` when set, else the port at `portIndex`.
  // Exactly one is set for every protocol but COMMAND, which has neither.
  std::optional<int64_t> portIndex;
  std::optional<int64_t> port;
  std::optional<std::string> command;  // COMMAND only: command.value
  int64_t gracePeriodSeconds = 300;
  int64_t intervalSeconds = 60;
  int64_t timeoutSeconds = 20;
  int64_t maxConsecutiveFailures = 3;
  int64_t delaySeconds = 15;
  bool ignoreHttp1xx = false;
  std::string ipProtocol = "IPv4";  // or "IPv6"
  bool operator==(const HealthCheck&) const = default;
};

// True for the checks the agent runs (COMMAND and MESOS_*), false for those
// the services scheduler runs itself (HTTP, HTTPS, TCP).
bool runsOnAgent(const HealthCheck& check);
// True when the services scheduler (its leader) probes the app's health
// checks itself: an app with several checks (all HTTP or TCP, as
// validation leaves them). An app with one check has it run on the agent,
// whatever its protocol (docs/design/services-health.md).
struct AppDefinition;
bool schedulerProbes(const AppDefinition& app);
// True for the protocols that send an HTTP request (and so take a path).
bool probesHttp(const std::string& protocol);

struct ReadinessCheck {
  std::string name = "readinessCheck";
  std::string protocol = "HTTP";  // or "HTTPS"
  std::string path = "/";
  std::string portName = "http-api";
  int64_t intervalSeconds = 30;
  int64_t timeoutSeconds = 10;  // always < intervalSeconds
  std::vector<int64_t> httpStatusCodesForReady = {200};
  bool preserveLastResponse = false;
  bool operator==(const ReadinessCheck&) const = default;
};

struct UpgradeStrategy {
  double minimumHealthCapacity = 1.0;  // 0..1
  double maximumOverCapacity = 1.0;    // 0..1
  // Tepui's extension: a deployment of this app that makes no progress for
  // this long fails (and is rolled back when rollbackOnFailure is set).
  std::optional<int64_t> progressDeadlineSeconds;
  bool rollbackOnFailure = false;
  bool operator==(const UpgradeStrategy&) const = default;
};

struct UnreachableStrategy {
  bool enabled = true;  // false: "disabled", never replaced nor expunged
  int64_t inactiveAfterSeconds = 300;
  int64_t expungeAfterSeconds = 600;  // >= inactiveAfterSeconds
  bool operator==(const UnreachableStrategy&) const = default;
};

enum class KillSelection { kYoungestFirst, kOldestFirst };

struct VersionInfo {
  std::string lastScalingAt;
  std::string lastConfigChangeAt;
  bool operator==(const VersionInfo&) const = default;
};

struct AppDefinition {
  PathId id;
  std::optional<std::string> cmd;  // at most one of cmd and args
  std::vector<std::string> args;
  double cpus = 1.0;
  double mem = 128.0;
  double disk = 0.0;
  int64_t gpus = 0;
  int64_t instances = 1;
  std::string executor;  // "" or "//cmd": the command executor
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> labels;
  std::vector<FetchUri> fetch;  // also what the older `uris` becomes
  // [field, OPERATOR] or [field, OPERATOR, value], all text; their meaning
  // is the placement code's concern.
  std::vector<std::vector<std::string>> constraints;
  // The default, when neither portDefinitions nor ports nor a container is
  // given, is one random port: [{port: 0, protocol: tcp}].
  std::vector<PortDefinition> portDefinitions;
  bool requirePorts = false;
  std::vector<HealthCheck> healthChecks;
  std::vector<ReadinessCheck> readinessChecks;  // at most one
  UpgradeStrategy upgradeStrategy;
  int64_t backoffSeconds = 1;
  double backoffFactor = 1.15;
  int64_t maxLaunchDelaySeconds = 300;
  std::optional<int64_t> taskKillGracePeriodSeconds;
  KillSelection killSelection = KillSelection::kYoungestFirst;
  UnreachableStrategy unreachableStrategy;
  std::vector<PathId> dependencies;  // resolved against the app's group
  std::optional<std::string> user;
  std::vector<std::string> acceptedResourceRoles;  // empty: no restriction
  std::optional<std::string> role;                 // absent: the runtime's default role
  std::optional<boost::json::value> container;     // opaque JSON object
  std::string version;                             // "" until stamped (app_update.hpp)
  VersionInfo versionInfo;

  bool operator==(const AppDefinition&) const = default;
};

}  // namespace tepui::services
