// The environment a service's task starts with, as a Marathon-compatible
// scheduler sets it, so that users' scripts keep working:
//   PORT0..PORTn   the host port of each port definition, in order
//   PORT           the first host port; PORTS all of them, comma-separated
//   PORT_<number>  for each port: its requested (service or required) port
//                  number if not 0, else its host port -> the host port
//   PORT_<NAME>    for each named port -> its host port
//   HOST           the agent's hostname
//   MESOS_TASK_ID, MARATHON_APP_ID, MARATHON_APP_VERSION,
//   MARATHON_APP_DOCKER_IMAGE (only with an image),
//   MARATHON_APP_RESOURCE_CPUS/MEM/DISK (as Java prints a double: "1.0",
//   "0.5", "128.0") and MARATHON_APP_RESOURCE_GPUS (a whole number)
//   MARATHON_APP_LABELS    the label names, space-separated, sorted
//   MARATHON_APP_LABEL_<NAME> each label's value
// Names made from port names and label keys are upper-cased with every run
// of characters other than letters, digits and '_' turned into one '_'.
// Labels with a key of 493 characters or more, or a value of 512 or more,
// are left out (the variable would be too long). `prefix` (the daemon's
// env_vars_prefix setting) goes in front of the PORT* and HOST names only.
// The app's own `env` is applied last and wins over all of these, as it
// does in Marathon-compatible schedulers.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tepui::services {

struct TaskPort {
  uint64_t requested = 0;  // the port definition's number (0: none)
  uint64_t host = 0;       // the host port the task got
  std::string name;        // may be empty
};

struct TaskEnvInputs {
  std::string appId;       // "/product/frontend"
  std::string appVersion;  // ISO-8601
  std::string taskId;
  std::string host;
  std::vector<TaskPort> ports;
  double cpus = 0;
  double mem = 0;
  double disk = 0;
  double gpus = 0;
  std::optional<std::string> dockerImage;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> env;  // the app's own
  std::string prefix;
};

std::map<std::string, std::string> taskEnvironment(const TaskEnvInputs& inputs);

// "http-api" -> "HTTP_API", "a.b/c" -> "A_B_C".
std::string environmentName(const std::string& text);

// A double as Java's Double.toString writes it: "1.0", "0.5", "1.0E7".
std::string javaDoubleText(double value);

}  // namespace tepui::services
