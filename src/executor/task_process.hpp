// One task's command as a process, for executors built into Tepui: started
// in a directory with an environment, in its own process group (so the
// whole tree it forks can be signalled), killed with SIGTERM and then
// SIGKILL once a grace period has passed, and its exit reported once on the
// executor's loop. Stragglers left in its group when it exits are killed.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "containerizer/process.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::executor {

// Grace period when neither the task nor the KILL gives one (Mesos: 3 s).
constexpr double kDefaultKillGraceSeconds = 3.0;

// This process's environment as a map.
std::map<std::string, std::string> inheritedEnvironment();

// The grace period for killing `task`: its kill policy (or the 3 s
// default), shortened, never lengthened, by one given with the KILL.
double killGraceSeconds(const v1::TaskInfo& task, std::optional<double> fromKill);

// The grace period a KILL event carries, if any.
std::optional<double> killEventGrace(const v1::KillPolicy* policy);

class TaskProcess {
 public:
  // onExit(waitStatus) runs once, on the loop, when the process has exited.
  TaskProcess(boost::asio::io_context& io, std::function<void(int)> onExit);
  ~TaskProcess();
  TaskProcess(const TaskProcess&) = delete;
  TaskProcess& operator=(const TaskProcess&) = delete;

  // Starts `command` in `directory` with exactly `environment` (plus the
  // command's own variables), as checks::commandSpec describes;
  // stdout/stderr go to the files given, or are inherited when empty.
  Status start(const v1::CommandInfo& command, const std::string& directory,
               std::map<std::string, std::string> environment, const std::string& stdoutPath = "",
               const std::string& stderrPath = "");
  // SIGTERM to the process group now (once), SIGKILL after `graceSeconds`.
  // A second call may only bring the SIGKILL closer.
  void kill(double graceSeconds);
  // SIGKILL to the process group at once.
  void destroy();

  bool running() const { return pid_ > 0; }
  bool killing() const { return killing_; }
  pid_t pid() const { return pid_; }

 private:
  containerizer::ProcessWatcher watcher_;
  boost::asio::steady_timer killTimer_;
  std::function<void(int)> onExit_;
  pid_t pid_ = -1;
  bool killing_ = false;
  std::optional<std::chrono::steady_clock::time_point> killAt_;
};

}  // namespace tepui::executor
