// `tepui executor command`: the command executor. Runs the one task it is
// given (a shell string or an argv) in the sandbox, reports TASK_STARTING,
// TASK_RUNNING and a terminal state whose message says how the command
// ended, and on KILL sends SIGTERM to the task's process group, then SIGKILL
// after the kill policy's grace period (default 3 s). Runs the task's
// health check and check while it runs (src/checks): a change of health or
// of the check's result is a TASK_RUNNING, every later update carries the
// latest `healthy` and `check_status`, and a failed health check kills the
// task as a KILL would. Exits once its terminal update is acknowledged.
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdlib>
#include <map>

#include "checks/checks.hpp"
#include "common/clock.hpp"
#include "common/logging.hpp"
#include "common/task_states.hpp"
#include "containerizer/process.hpp"
#include "executor/executor_client.hpp"
#include "executor/executors.hpp"
#include "executor/run_executor.hpp"

extern char** environ;

namespace tepui::executor {

namespace {

using Event = v1::executor::Event;
constexpr double kDefaultGraceSeconds = 3.0;

class CommandExecutor {
 public:
  CommandExecutor(boost::asio::io_context& io, ExecutorEnvironment env)
      : io_(io),
        client_(
            io, std::move(env), [this](const Event& e) { handle(e); },
            [this](const std::string& why) { disconnected(why); }),
        watcher_(io),
        killTimer_(io),
        completionTimer_(io),
        exitTimer_(io) {}

  void start() { client_.subscribe(); }
  // The executor is being destroyed: its task goes with it.
  void destroy() {
    if (pid_ > 0) containerizer::signalGroup(pid_, SIGKILL);
  }
  int exitCode() const { return exitCode_; }

 private:
  void handle(const Event& event) {
    switch (event.type()) {
      case Event::SUBSCRIBED:
        frameworkInfo_ = event.subscribed().framework_info();
        break;
      case Event::LAUNCH: launch(event.launch().task()); break;
      case Event::KILL: {
        std::optional<double> grace;
        if (event.kill().has_kill_policy() && event.kill().kill_policy().has_grace_period()) {
          grace = static_cast<double>(event.kill().kill_policy().grace_period().nanoseconds()) / 1e9;
        }
        kill(grace);
        break;
      }
      case Event::SHUTDOWN:
        shuttingDown_ = true;
        if (pid_ > 0) kill(std::max(0.0, client_.environment().shutdownGracePeriod - 1.0));
        else finishIfDone();
        break;
      case Event::ACKNOWLEDGED: finishIfDone(); break;
      case Event::ERROR: TLOG(ERROR) << "Error from the agent: " << event.error().message(); break;
      default: break;
    }
  }

  void send(v1::TaskState state, const std::string& message,
            std::optional<v1::TaskStatus::Reason> reason = std::nullopt) {
    v1::TaskStatus status;
    *status.mutable_task_id() = task_.task_id();
    status.set_state(state);
    if (!message.empty()) status.set_message(message);
    if (reason) status.set_reason(*reason);
    if (healthy_) status.set_healthy(*healthy_);
    if (checkStatus_) *status.mutable_check_status() = *checkStatus_;
    if (pid_ > 0) status.mutable_container_status()->set_executor_pid(static_cast<uint32_t>(getpid()));
    client_.update(std::move(status));
    if (isTerminalState(state)) terminalSent_ = true;
  }

  void launch(const v1::TaskInfo& task) {
    if (launched_) {
      TLOG(ERROR) << "The command executor runs one task; ignoring task " << task.task_id().value();
      return;
    }
    launched_ = true;
    task_ = task;
    client_.taskLaunched(task);
    // As Mesos: a task with a check reports its (empty) status from the start.
    if (task.has_check()) checkStatus_ = checks::Checker::emptyStatus(task.check());
    send(v1::TASK_STARTING, "");
    if (auto valid = checks::validateChecks(task); !valid) {
      send(v1::TASK_FAILED, valid.error().message, v1::TaskStatus::REASON_TASK_INVALID);
      return;
    }

    std::map<std::string, std::string> environment;
    for (char** e = environ; *e; ++e) {
      std::string kv = *e;
      auto eq = kv.find('=');
      if (eq != std::string::npos) environment[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    auto spec = checks::commandSpec(task.command(), std::move(environment), client_.environment().sandbox);
    auto pid = containerizer::spawn(spec);
    if (!pid) {
      send(v1::TASK_FAILED, "Failed to launch the command: " + pid.error().message,
           v1::TaskStatus::REASON_COMMAND_EXECUTOR_FAILED);
      return;
    }
    pid_ = *pid;
    if (auto s = watcher_.watch(pid_, [this](int status) { exited(status); }); !s) {
      TLOG(ERROR) << "Cannot watch the task's process: " << s.error().message;
    }
    send(v1::TASK_RUNNING, "");
    startChecking(checks::CheckContext{spec.environment, spec.workingDirectory});
    if (task.has_max_completion_time()) {
      completionTimer_.expires_after(
          std::chrono::nanoseconds(std::max<int64_t>(0, task.max_completion_time().nanoseconds())));
      completionTimer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || pid_ <= 0) return;
        maxCompletionReached_ = true;
        kill(0.0);
      });
    }
  }

  void startChecking(const checks::CheckContext& context) {
    if (task_.has_health_check()) {
      auto started = checks::HealthChecker::start(io_, task_.health_check(), context,
                                                  [this](const checks::HealthChecker::Health& h) { healthChanged(h); });
      if (!started) {
        TLOG(ERROR) << "Cannot start the health check: " << started.error().message;
      } else {
        healthChecker_ = std::move(*started);
      }
    }
    if (task_.has_check()) {
      auto started = checks::Checker::start(io_, task_.check(), context,
                                            [this](const v1::CheckStatusInfo& s) { checkChanged(s); });
      if (!started) {
        TLOG(ERROR) << "Cannot start the check: " << started.error().message;
      } else {
        checker_ = std::move(*started);
      }
    }
  }

  // Once the task is being killed or has ended, its health no longer changes.
  void stopChecking() {
    if (healthChecker_) healthChecker_->stop();
    if (checker_) checker_->stop();
  }

  void healthChanged(const checks::HealthChecker::Health& health) {
    if (pid_ <= 0 || killing_) return;
    if (healthy_ != health.healthy) {
      healthy_ = health.healthy;
      send(v1::TASK_RUNNING, health.message, v1::TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);
    }
    if (health.killTask) {
      TLOG(WARNING) << "Killing the task: " << health.message;
      killedByHealthCheck_ = health.consecutiveFailures;
      kill(std::nullopt);
    }
  }

  void checkChanged(const v1::CheckStatusInfo& status) {
    if (pid_ <= 0 || killing_) return;
    checkStatus_ = status;
    send(v1::TASK_RUNNING, "", v1::TaskStatus::REASON_TASK_CHECK_STATUS_UPDATED);
  }

  void kill(std::optional<double> grace) {
    if (pid_ <= 0) {
      if (!launched_ || terminalSent_) return;
      send(v1::TASK_KILLED, "Killed before the command started");
      return;
    }
    double seconds = kDefaultGraceSeconds;
    if (task_.has_kill_policy() && task_.kill_policy().has_grace_period()) {
      seconds = static_cast<double>(task_.kill_policy().grace_period().nanoseconds()) / 1e9;
    }
    // A KILL may shorten the task's grace period, never lengthen it.
    if (grace) seconds = std::min(seconds, *grace);
    if (!killing_) {
      killing_ = true;
      stopChecking();
      for (auto& c : frameworkInfo_.capabilities()) {
        if (c.type() == v1::FrameworkInfo::Capability::TASK_KILLING_STATE) send(v1::TASK_KILLING, "");
      }
      containerizer::signalGroup(pid_, SIGTERM);
    }
    killTimer_.expires_after(clock::seconds(std::max(0.0, seconds)));
    killTimer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec && pid_ > 0) containerizer::signalGroup(pid_, SIGKILL);
    });
  }

  void exited(int status) {
    pid_t leader = pid_;
    pid_ = -1;
    killTimer_.cancel();
    completionTimer_.cancel();
    stopChecking();
    // Nothing of the task may outlive it: take down stragglers in its group.
    containerizer::signalGroup(leader, SIGKILL);
    std::string how = "Command " + containerizer::describeWaitStatus(status);
    if (maxCompletionReached_) {
      send(v1::TASK_FAILED, "Task exceeded its max completion time", v1::TaskStatus::REASON_MAX_COMPLETION_TIME_REACHED);
    } else if (killedByHealthCheck_) {
      send(v1::TASK_KILLED, "Task killed because it failed " + std::to_string(*killedByHealthCheck_) +
                                " consecutive health checks; " + how);
    } else if (killing_) {
      send(v1::TASK_KILLED, how);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      send(v1::TASK_FINISHED, how);
    } else {
      send(v1::TASK_FAILED, how, v1::TaskStatus::REASON_COMMAND_EXECUTOR_FAILED);
    }
  }

  void finishIfDone() {
    bool done = (terminalSent_ || (shuttingDown_ && pid_ <= 0)) && client_.allAcknowledged();
    if (!done) return;
    // A short delay lets the acknowledgement's HTTP exchange finish cleanly.
    exitTimer_.expires_after(std::chrono::milliseconds(0));
    exitTimer_.async_wait([this](const boost::system::error_code&) { io_.stop(); });
  }

  void disconnected(const std::string& why) {
    TLOG(WARNING) << "Disconnected from the agent: " << why << "; exiting";
    if (pid_ > 0) containerizer::signalGroup(pid_, SIGKILL);
    exitCode_ = 1;
    io_.stop();
  }

  boost::asio::io_context& io_;
  ExecutorClient client_;
  containerizer::ProcessWatcher watcher_;
  boost::asio::steady_timer killTimer_, completionTimer_, exitTimer_;
  v1::FrameworkInfo frameworkInfo_;
  v1::TaskInfo task_;
  pid_t pid_ = -1;
  bool launched_ = false, killing_ = false, terminalSent_ = false, shuttingDown_ = false;
  bool maxCompletionReached_ = false;
  int exitCode_ = 0;
  std::optional<bool> healthy_;                     // the latest health, once known
  std::optional<v1::CheckStatusInfo> checkStatus_;  // the latest check result
  std::optional<uint32_t> killedByHealthCheck_;     // consecutive failures that led to the kill
  // Last, so that they stop before anything their callbacks use is destroyed.
  std::unique_ptr<checks::HealthChecker> healthChecker_;
  std::unique_ptr<checks::Checker> checker_;
};

}  // namespace

int commandExecutorMain() { return runExecutor<CommandExecutor>("command-executor", "tepui executor command"); }

}  // namespace tepui::executor
