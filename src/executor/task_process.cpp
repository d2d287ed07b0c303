// A task's process inside an executor (see task_process.hpp).
#include "executor/task_process.hpp"

#include <signal.h>

#include <algorithm>

#include "checks/checks.hpp"
#include "common/clock.hpp"
#include "common/logging.hpp"

extern char** environ;

namespace tepui::executor {

std::map<std::string, std::string> inheritedEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string_view::npos) env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  return env;
}

double killGraceSeconds(const v1::TaskInfo& task, std::optional<double> fromKill) {
  double seconds = kDefaultKillGraceSeconds;
  if (task.has_kill_policy() && task.kill_policy().has_grace_period()) {
    seconds = static_cast<double>(task.kill_policy().grace_period().nanoseconds()) / 1e9;
  }
  if (fromKill) seconds = std::min(seconds, *fromKill);
  return std::max(0.0, seconds);
}

std::optional<double> killEventGrace(const v1::KillPolicy* policy) {
  if (!policy || !policy->has_grace_period()) return std::nullopt;
  return static_cast<double>(policy->grace_period().nanoseconds()) / 1e9;
}

TaskProcess::TaskProcess(boost::asio::io_context& io, std::function<void(int)> onExit)
    : watcher_(io), killTimer_(io), onExit_(std::move(onExit)) {}

TaskProcess::~TaskProcess() { destroy(); }

Status TaskProcess::start(const v1::CommandInfo& command, const std::string& directory,
                          std::map<std::string, std::string> environment, const std::string& stdoutPath,
                          const std::string& stderrPath) {
  containerizer::SpawnSpec spec = checks::commandSpec(command, std::move(environment), directory);
  spec.stdoutPath = stdoutPath;
  spec.stderrPath = stderrPath;
  auto pid = containerizer::spawn(spec);
  if (!pid) return pid.error();
  pid_ = *pid;
  if (auto s = watcher_.watch(pid_,
                              [this](int status) {
                                pid_t leader = pid_;
                                pid_ = -1;
                                killTimer_.cancel();
                                // Nothing of the task may outlive it: take down
                                // stragglers in its group.
                                containerizer::signalGroup(leader, SIGKILL);
                                onExit_(status);
                              });
      !s) {
    TLOG(ERROR) << "Cannot watch the task's process: " << s.error().message;
  }
  return okStatus();
}

void TaskProcess::kill(double graceSeconds) {
  if (pid_ <= 0) return;
  if (!killing_) {
    killing_ = true;
    containerizer::signalGroup(pid_, SIGTERM);
  }
  auto at = std::chrono::steady_clock::now() + clock::seconds(std::max(0.0, graceSeconds));
  if (killAt_ && *killAt_ <= at) return;
  killAt_ = at;
  killTimer_.expires_at(at);
  killTimer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && pid_ > 0) containerizer::signalGroup(pid_, SIGKILL);
  });
}

void TaskProcess::destroy() {
  if (pid_ > 0) containerizer::signalGroup(pid_, SIGKILL);
}

}  // namespace tepui::executor
