// A task inside a Tepui executor (see running_task.hpp).
#include "executor/running_task.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include "common/logging.hpp"
#include "common/task_states.hpp"

namespace tepui::executor {

RunningTask::RunningTask(boost::asio::io_context& io, v1::TaskInfo info, bool killingState, Send send, Ended ended)
    : io_(io),
      info_(std::move(info)),
      killingState_(killingState),
      send_(std::move(send)),
      ended_(std::move(ended)),
      process_(io, [this](int status) { exited(status); }),
      completionTimer_(io) {
  // As Mesos: a task with a check reports its (empty) status from the start.
  if (info_.has_check()) checkStatus_ = checks::Checker::emptyStatus(info_.check());
}

void RunningTask::send(v1::TaskState state, const std::string& message, std::optional<v1::TaskStatus::Reason> reason) {
  v1::TaskStatus status;
  *status.mutable_task_id() = info_.task_id();
  status.set_state(state);
  if (!message.empty()) status.set_message(message);
  if (reason) status.set_reason(*reason);
  if (healthy_) status.set_healthy(*healthy_);
  if (checkStatus_) *status.mutable_check_status() = *checkStatus_;
  if (process_.running()) status.mutable_container_status()->set_executor_pid(static_cast<uint32_t>(getpid()));
  bool ends = isTerminalState(state);
  if (ends) {
    terminal_ = true;
    completionTimer_.cancel();
    stopChecking();
  }
  send_(std::move(status));
  if (ends) ended_(state);
}

void RunningTask::launch(Sandbox sandbox) {
  if (terminal_) return;
  send(v1::TASK_STARTING, "");
  if (auto valid = checks::validateChecks(info_); !valid) {
    return send(v1::TASK_FAILED, valid.error().message, v1::TaskStatus::REASON_TASK_INVALID);
  }
  checks::CheckContext context{sandbox.environment, sandbox.directory};
  if (auto started = process_.start(info_.command(), sandbox.directory, std::move(sandbox.environment),
                                    sandbox.stdoutPath, sandbox.stderrPath);
      !started) {
    return send(v1::TASK_FAILED, "Failed to launch the command: " + started.error().message,
                v1::TaskStatus::REASON_COMMAND_EXECUTOR_FAILED);
  }
  send(v1::TASK_RUNNING, "");
  startChecking(context);
  if (info_.has_max_completion_time()) {
    completionTimer_.expires_after(
        std::chrono::nanoseconds(std::max<int64_t>(0, info_.max_completion_time().nanoseconds())));
    completionTimer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || !process_.running()) return;
      maxCompletionReached_ = true;
      kill(0.0);
    });
  }
}

void RunningTask::startChecking(const checks::CheckContext& context) {
  const std::string& id = info_.task_id().value();
  if (info_.has_health_check()) {
    auto started = checks::HealthChecker::start(io_, info_.health_check(), context,
                                                [this](const checks::HealthChecker::Health& h) { healthChanged(h); });
    if (started)
      healthChecker_ = std::move(*started);
    else
      TLOG(ERROR) << "Cannot start the health check of task " << id << ": " << started.error().message;
  }
  if (info_.has_check()) {
    auto started =
        checks::Checker::start(io_, info_.check(), context, [this](const v1::CheckStatusInfo& s) { checkChanged(s); });
    if (started)
      checker_ = std::move(*started);
    else
      TLOG(ERROR) << "Cannot start the check of task " << id << ": " << started.error().message;
  }
}

// Once the task is being killed or has ended, its health no longer changes.
void RunningTask::stopChecking() {
  if (healthChecker_) healthChecker_->stop();
  if (checker_) checker_->stop();
}

void RunningTask::healthChanged(const checks::HealthChecker::Health& health) {
  if (!process_.running() || process_.killing()) return;
  if (healthy_ != health.healthy) {
    healthy_ = health.healthy;
    send(v1::TASK_RUNNING, health.message, v1::TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);
  }
  if (health.killTask) {
    TLOG(WARNING) << "Killing task " << info_.task_id().value() << ": " << health.message;
    kill(std::nullopt, "it failed " + std::to_string(health.consecutiveFailures) + " consecutive health checks");
  }
}

void RunningTask::checkChanged(const v1::CheckStatusInfo& status) {
  if (!process_.running() || process_.killing()) return;
  checkStatus_ = status;
  send(v1::TASK_RUNNING, "", v1::TaskStatus::REASON_TASK_CHECK_STATUS_UPDATED);
}

void RunningTask::kill(std::optional<double> grace, const std::string& because) {
  if (terminal_) return;
  if (!process_.running()) {
    return send(v1::TASK_KILLED, because.empty() ? "Killed before the command started" : "Killed because " + because);
  }
  if (!process_.killing()) {
    killedBecause_ = because;
    stopChecking();
    if (killingState_) send(v1::TASK_KILLING, "");
  }
  process_.kill(killGraceSeconds(info_, grace));
}

void RunningTask::destroy() { process_.destroy(); }

void RunningTask::exited(int waitStatus) {
  std::string how = "Command " + containerizer::describeWaitStatus(waitStatus);
  if (maxCompletionReached_) {
    send(v1::TASK_FAILED, "Task exceeded its max completion time", v1::TaskStatus::REASON_MAX_COMPLETION_TIME_REACHED);
  } else if (process_.killing()) {
    send(v1::TASK_KILLED, killedBecause_.empty() ? how : "Task killed because " + killedBecause_ + "; " + how);
  } else if (WIFEXITED(waitStatus) && WEXITSTATUS(waitStatus) == 0) {
    send(v1::TASK_FINISHED, how);
  } else {
    send(v1::TASK_FAILED, how, v1::TaskStatus::REASON_COMMAND_EXECUTOR_FAILED);
  }
}

}  // namespace tepui::executor
