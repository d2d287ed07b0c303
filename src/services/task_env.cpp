#include "services/task_env.hpp"

#include <charconv>
#include <cmath>

namespace tepui::services {
namespace {

constexpr size_t kMaxVariableLength = 512;
constexpr char kLabelPrefix[] = "MARATHON_APP_LABEL_";

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

void addPorts(const TaskEnvInputs& inputs, std::map<std::string, std::string>& env) {
  if (inputs.ports.empty()) return;
  const std::string& prefix = inputs.prefix;
  std::string all;
  for (size_t i = 0; i < inputs.ports.size(); ++i) {
    const TaskPort& port = inputs.ports[i];
    const std::string host = std::to_string(port.host);
    env[prefix + "PORT" + std::to_string(i)] = host;
    env[prefix + "PORT_" + std::to_string(port.requested != 0 ? port.requested : port.host)] = host;
    if (!port.name.empty()) env[prefix + "PORT_" + environmentName(port.name)] = host;
    all += (i == 0 ? "" : ",") + host;
  }
  env[prefix + "PORT"] = std::to_string(inputs.ports.front().host);
  env[prefix + "PORTS"] = all;
}

void addLabels(const std::map<std::string, std::string>& labels, std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> byName;
  for (const auto& [key, value] : labels) {
    if (key.size() >= kMaxVariableLength - (sizeof(kLabelPrefix) - 1) || value.size() >= kMaxVariableLength) continue;
    byName[environmentName(key)] = value;
  }
  std::string names;
  for (const auto& [name, value] : byName) {
    names += (names.empty() ? "" : " ") + name;
    env[kLabelPrefix + name] = value;
  }
  env["MARATHON_APP_LABELS"] = names;
}

}  // namespace

std::string environmentName(const std::string& text) {
  std::string name;
  bool inRun = false;  // inside a run of characters a name cannot hold
  for (char c : text) {
    if (isNameChar(c)) {
      name.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
      inRun = false;
    } else if (!inRun) {
      name.push_back('_');
      inRun = true;
    }
  }
  return name;
}

std::string javaDoubleText(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  char buffer[64];
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed);
    std::string text(buffer, end);
    if (text.find('.') == std::string::npos) text += ".0";
    return text;
  }
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string text(buffer, end);  // "1.5e+07", "1e-05"
  const size_t e = text.find('e');
  std::string mantissa = text.substr(0, e);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  int exponent = std::stoi(text.substr(e + 1));
  return mantissa + "E" + std::to_string(exponent);
}

std::map<std::string, std::string> taskEnvironment(const TaskEnvInputs& inputs) {
  std::map<std::string, std::string> env;
  env["MESOS_TASK_ID"] = inputs.taskId;
  env["MARATHON_APP_ID"] = inputs.appId;
  env["MARATHON_APP_VERSION"] = inputs.appVersion;
  if (inputs.dockerImage) env["MARATHON_APP_DOCKER_IMAGE"] = *inputs.dockerImage;
  env["MARATHON_APP_RESOURCE_CPUS"] = javaDoubleText(inputs.cpus);
  env["MARATHON_APP_RESOURCE_MEM"] = javaDoubleText(inputs.mem);
  env["MARATHON_APP_RESOURCE_DISK"] = javaDoubleText(inputs.disk);
  const bool wholeGpus = std::isfinite(inputs.gpus) && std::fabs(inputs.gpus) < 1e15;
  env["MARATHON_APP_RESOURCE_GPUS"] =
      wholeGpus ? std::to_string(static_cast<long long>(std::llround(inputs.gpus))) : javaDoubleText(inputs.gpus);
  addLabels(inputs.labels, env);
  addPorts(inputs, env);
  env[inputs.prefix + "HOST"] = inputs.host;
  for (const auto& [name, value] : inputs.env) env[name] = value;
  return env;
}

}  // namespace tepui::services
