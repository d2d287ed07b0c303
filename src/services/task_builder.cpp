#include "services/task_builder.hpp"

#include <limits>

#include "services/task_env.hpp"
#include "services/validation_errors.hpp"

namespace tepui::services {

namespace {

// The host port a check probes: `port` when set, else the task's host port
// at `portIndex`.
uint32_t checkPort(const std::optional<int64_t>& port, const std::optional<int64_t>& portIndex,
                   const OfferMatch& match) {
  if (port) return static_cast<uint32_t>(*port);
  size_t index = static_cast<size_t>(portIndex.value_or(0));
  return index < match.hostPorts.size() ? static_cast<uint32_t>(match.hostPorts[index]) : 0;
}

v1::HealthCheck healthCheckOf(const HealthCheck& check, const OfferMatch& match) {
  v1::HealthCheck out;
  out.set_delay_seconds(static_cast<double>(check.delaySeconds));
  out.set_interval_seconds(static_cast<double>(check.intervalSeconds));
  out.set_timeout_seconds(static_cast<double>(check.timeoutSeconds));
  out.set_grace_period_seconds(static_cast<double>(check.gracePeriodSeconds));
  // A check the services scheduler used to run itself never kills with 0;
  // one the agent runs kills on the first failure (Mesos's meaning).
  bool neverKill = !runsOnAgent(check) && check.maxConsecutiveFailures == 0;
  out.set_consecutive_failures(neverKill ? std::numeric_limits<uint32_t>::max()
                                         : static_cast<uint32_t>(check.maxConsecutiveFailures));
  auto protocol = check.ipProtocol == "IPv6" ? v1::NetworkInfo::IPv6 : v1::NetworkInfo::IPv4;
  if (check.protocol == "COMMAND") {
    out.set_type(v1::HealthCheck::COMMAND);
    out.mutable_command()->set_value(check.command.value_or(""));
  } else if (probesHttp(check.protocol)) {
    out.set_type(v1::HealthCheck::HTTP);
    auto* http = out.mutable_http();
    http->set_port(checkPort(check.port, check.portIndex, match));
    http->set_path(check.path);
    http->set_protocol(protocol);
  } else {
    out.set_type(v1::HealthCheck::TCP);
    out.mutable_tcp()->set_port(checkPort(check.port, check.portIndex, match));
    out.mutable_tcp()->set_protocol(protocol);
  }
  return out;
}

// The host port of the port definition named `name`.
std::optional<uint32_t> namedPort(const AppDefinition& app, const OfferMatch& match, const std::string& name) {
  for (size_t k = 0; k < app.portDefinitions.size() && k < match.hostPorts.size(); ++k) {
    if (app.portDefinitions[k].name == name) return static_cast<uint32_t>(match.hostPorts[k]);
  }
  return std::nullopt;
}

void addLabels(const std::map<std::string, std::string>& labels, v1::Labels* out) {
  for (auto& [key, value] : labels) {
    auto* l = out->add_labels();
    l->set_key(key);
    l->set_value(value);
  }
}

}  // namespace

std::string taskName(const PathId& appId) {
  std::string name;
  auto& segments = appId.segments();
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    if (!name.empty()) name += '.';
    name += *it;
  }
  return name;
}

v1::TaskInfo buildTask(const AppDefinition& app, const v1::Offer& offer, const OfferMatch& match,
                       const TaskBuild& build) {
  v1::TaskInfo task;
  task.set_name(taskName(app.id));
  task.mutable_task_id()->set_value(build.taskId);
  *task.mutable_agent_id() = offer.agent_id();
  for (auto& r : match.resources) *task.add_resources() = r;

  auto* command = task.mutable_command();
  if (app.cmd) {
    command->set_shell(true);
    command->set_value(*app.cmd);
  } else if (!app.args.empty()) {
    command->set_shell(false);
    command->set_value(app.args.front());
    for (auto& a : app.args) command->add_arguments(a);
  }
  std::string user = app.user.value_or(build.defaultUser);
  if (!user.empty()) command->set_user(user);
  for (auto& f : app.fetch) {
    auto* uri = command->add_uris();
    uri->set_value(f.uri);
    uri->set_extract(f.extract);
    uri->set_executable(f.executable);
    uri->set_cache(f.cache);
    if (f.destPath) uri->set_output_file(*f.destPath);
  }

  TaskEnvInputs env;
  env.appId = app.id.toString();
  env.appVersion = app.version;
  env.taskId = build.taskId;
  env.host = offer.hostname();
  for (size_t k = 0; k < app.portDefinitions.size() && k < match.hostPorts.size(); ++k) {
    auto& def = app.portDefinitions[k];
    env.ports.push_back({static_cast<uint64_t>(def.port), match.hostPorts[k], def.name.value_or("")});
  }
  env.cpus = app.cpus;
  env.mem = app.mem;
  env.disk = app.disk;
  env.gpus = static_cast<double>(app.gpus);
  env.labels = app.labels;
  env.env = app.env;
  env.prefix = build.envPrefix;
  for (auto& [name, value] : taskEnvironment(env)) {
    auto* v = command->mutable_environment()->add_variables();
    v->set_name(name);
    v->set_value(value);
  }

  if (!app.labels.empty()) addLabels(app.labels, task.mutable_labels());
  if (app.taskKillGracePeriodSeconds) {
    task.mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(*app.taskKillGracePeriodSeconds *
                                                                        1'000'000'000LL);
  }

  auto* discovery = task.mutable_discovery();
  discovery->set_visibility(v1::DiscoveryInfo::FRAMEWORK);
  discovery->set_name(task.name());
  for (size_t k = 0; k < app.portDefinitions.size() && k < match.hostPorts.size(); ++k) {
    auto& def = app.portDefinitions[k];
    auto* port = discovery->mutable_ports()->add_ports();
    port->set_number(static_cast<uint32_t>(match.hostPorts[k]));
    if (def.name) port->set_name(*def.name);
    port->set_protocol(def.protocol);
    if (!def.labels.empty()) addLabels(def.labels, port->mutable_labels());
  }

  // Several checks are the scheduler's to probe; a lone one runs on the agent.
  if (app.healthChecks.size() == 1) *task.mutable_health_check() = healthCheckOf(app.healthChecks.front(), match);
  if (!app.readinessChecks.empty()) {
    auto& ready = app.readinessChecks.front();
    auto* check = task.mutable_check();
    check->set_type(v1::CheckInfo::HTTP);
    check->mutable_http()->set_port(namedPort(app, match, ready.portName).value_or(0));
    check->mutable_http()->set_path(ready.path);
    check->set_delay_seconds(0);
    check->set_interval_seconds(static_cast<double>(ready.intervalSeconds));
    check->set_timeout_seconds(static_cast<double>(ready.timeoutSeconds));
  }
  return task;
}

std::vector<std::pair<std::string, std::string>> unsupportedAppFeatures(const AppDefinition& app) {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t k = 0; k < app.healthChecks.size(); ++k) {
    auto& p = app.healthChecks[k].protocol;
    if (p == "HTTPS" || p == "MESOS_HTTPS") {
      out.emplace_back(indexPath("/healthChecks", k) + "/protocol",
                       p + " is not supported: Tepui's health checks probe plain http; use HTTP or MESOS_HTTP");
    }
  }
  for (size_t k = 0; k < app.readinessChecks.size(); ++k) {
    auto& r = app.readinessChecks[k];
    if (r.protocol == "HTTPS") {
      out.emplace_back(indexPath("/readinessChecks", k) + "/protocol",
                       "HTTPS is not supported: Tepui's readiness checks probe plain http");
    }
  }
  if (app.container && app.container->is_object()) {
    auto& c = app.container->get_object();
    if (c.contains("docker") || c.contains("image")) {
      out.emplace_back("/container", "container images are not supported: Tepui runs apps' commands on the agent");
    }
  }
  return out;
}

}  // namespace tepui::services
