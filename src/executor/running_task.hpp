// One task run by an executor built into Tepui (the command executor runs
// one, the default executor the tasks of its groups), from its launch to its
// terminal status, as Mesos's executors run a task:
//
//   launch()  TASK_STARTING; a task whose health_check or check is invalid
//             ends TASK_FAILED (REASON_TASK_INVALID); the command starts in
//             its sandbox (TASK_FAILED, REASON_COMMAND_EXECUTOR_FAILED, if it
//             cannot); TASK_RUNNING; then its health check, its check and
//             its max_completion_time run.
//   health    each change of health is a TASK_RUNNING with `healthy` and
//             REASON_TASK_HEALTH_CHECK_STATUS_UPDATED; consecutive_failures
//             kill the task, and its final update says so.
//   check     each new result is a TASK_RUNNING with `check_status` and
//             REASON_TASK_CHECK_STATUS_UPDATED; it never kills.
//   kill()    TASK_KILLING first (once) if the framework has the
//             TASK_KILLING_STATE capability, SIGTERM to the process group,
//             SIGKILL after the grace period (the task's kill policy,
//             shortened by the one given to kill()).
//   exit      TASK_FINISHED for status 0; TASK_KILLED once killed;
//             TASK_FAILED with REASON_MAX_COMPLETION_TIME_REACHED when it ran
//             too long; TASK_FAILED, REASON_COMMAND_EXECUTOR_FAILED,
//             otherwise. The message says how the command ended.
//
// Every update after the first result carries the latest `healthy` and
// `check_status`. `ended(state)` runs once, after the terminal status was
// sent. Destroying a RunningTask kills its process group at once.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "checks/checks.hpp"
#include "executor/task_process.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::executor {

class RunningTask {
 public:
  using Send = std::function<void(v1::TaskStatus)>;
  using Ended = std::function<void(v1::TaskState)>;

  // Where and how the command runs: stdout/stderr are inherited when empty.
  struct Sandbox {
    std::string directory;
    std::map<std::string, std::string> environment;
    std::string stdoutPath;
    std::string stderrPath;
  };

  RunningTask(boost::asio::io_context& io, v1::TaskInfo info, bool killingState, Send send, Ended ended);
  RunningTask(const RunningTask&) = delete;
  RunningTask& operator=(const RunningTask&) = delete;

  // Does nothing if the task was killed (and so ended) before.
  void launch(Sandbox sandbox);
  // `because`, if given, is added to the final message ("killed because ...").
  void kill(std::optional<double> grace, const std::string& because = "");
  // SIGKILL to the command's process group now; no status is sent.
  void destroy();

  const v1::TaskInfo& info() const { return info_; }
  bool terminal() const { return terminal_; }
  bool running() const { return process_.running(); }

 private:
  void send(v1::TaskState state, const std::string& message, std::optional<v1::TaskStatus::Reason> reason = {});
  void startChecking(const checks::CheckContext& context);
  void stopChecking();
  void healthChanged(const checks::HealthChecker::Health& health);
  void checkChanged(const v1::CheckStatusInfo& status);
  void exited(int waitStatus);

  boost::asio::io_context& io_;
  v1::TaskInfo info_;
  bool killingState_;
  Send send_;
  Ended ended_;
  TaskProcess process_;
  boost::asio::steady_timer completionTimer_;
  bool terminal_ = false;
  bool maxCompletionReached_ = false;
  std::string killedBecause_;
  std::optional<bool> healthy_;                     // the latest health, once known
  std::optional<v1::CheckStatusInfo> checkStatus_;  // the latest check result
  // Last, so that they stop before anything their callbacks use is destroyed.
  std::unique_ptr<checks::HealthChecker> healthChecker_;
  std::unique_ptr<checks::Checker> checker_;
};

}  // namespace tepui::executor
