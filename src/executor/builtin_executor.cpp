// The executors built into Tepui, one class in two modes:
//
// `tepui executor command`, the command executor: runs the one task it is
// given (a shell string or an argv) in the executor's sandbox, its output in
// the executor's stdout and stderr. A second LAUNCH is refused (logged).
//
// `tepui executor default`, the default executor: runs task groups
// (LAUNCH_GROUP) as Mesos's default executor does. Each task runs as its own
// process group in its own sandbox, `tasks/<task_id>` inside the executor's
// sandbox (which the whole group shares), with MESOS_SANDBOX pointing at it
// and its own stdout and stderr files. A lone LAUNCH runs as a group of one.
//
// In both, every task runs as RunningTask describes (running_task.hpp): its
// own states, health check, check, kill policy and max_completion_time. When
// a task fails or is killed, the rest of its group is killed; a KILL for one
// task kills its whole group. SHUTDOWN kills every task within the
// executor's shutdown grace period. The executor exits once no task is left
// running and every update has been acknowledged.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <memory>

#include "common/logging.hpp"
#include "executor/executor_client.hpp"
#include "executor/executors.hpp"
#include "executor/run_executor.hpp"
#include "executor/running_task.hpp"

namespace tepui::executor {

namespace {

namespace fs = std::filesystem;
using Event = v1::executor::Event;

enum class Mode { COMMAND, DEFAULT };

template <Mode mode>
class BuiltinExecutor {
 public:
  BuiltinExecutor(boost::asio::io_context& io, ExecutorEnvironment env)
      : io_(io),
        client_(
            io, std::move(env), [this](const Event& e) { handle(e); },
            [this](const std::string& why) { disconnected(why); }),
        exitTimer_(io) {}

  void start() { client_.subscribe(); }
  // The executor is being destroyed: its tasks go with it.
  void destroy() {
    for (auto& [id, task] : tasks_) task.running->destroy();
  }
  int exitCode() const { return exitCode_; }

 private:
  struct Task {
    uint64_t group = 0;
    std::unique_ptr<RunningTask> running;
  };

  void handle(const Event& event) {
    switch (event.type()) {
      case Event::SUBSCRIBED: frameworkInfo_ = event.subscribed().framework_info(); break;
      case Event::LAUNCH_GROUP: launchGroup(event.launch_group().task_group()); break;
      case Event::LAUNCH: {
        v1::TaskGroupInfo group;
        *group.add_tasks() = event.launch().task();
        launchGroup(group);
        break;
      }
      case Event::KILL: {
        auto grace = killEventGrace(event.kill().has_kill_policy() ? &event.kill().kill_policy() : nullptr);
        auto it = tasks_.find(event.kill().task_id().value());
        if (it == tasks_.end()) {
          TLOG(WARNING) << "Asked to kill unknown task " << event.kill().task_id().value();
          break;
        }
        killGroup(it->second.group, grace, "");
        break;
      }
      case Event::SHUTDOWN:
        shuttingDown_ = true;
        for (auto& [id, task] : tasks_) {
          task.running->kill(std::max(0.0, client_.environment().shutdownGracePeriod - 1.0),
                             "the executor is shutting down");
        }
        finishIfDone();
        break;
      case Event::ACKNOWLEDGED: finishIfDone(); break;
      case Event::ERROR: TLOG(ERROR) << "Error from the agent: " << event.error().message(); break;
      default: break;
    }
  }

  void launchGroup(const v1::TaskGroupInfo& group) {
    bool killingState = false;
    for (auto& c : frameworkInfo_.capabilities()) {
      killingState |= c.type() == v1::FrameworkInfo::Capability::TASK_KILLING_STATE;
    }
    uint64_t id = nextGroup_++;
    std::vector<RunningTask*> launched;
    for (auto& info : group.tasks()) {
      const std::string& tid = info.task_id().value();
      if (mode == Mode::COMMAND && !tasks_.empty()) {
        TLOG(ERROR) << "The command executor runs one task; ignoring task " << tid;
        continue;
      }
      if (tasks_.count(tid)) {
        TLOG(ERROR) << "Task " << tid << " was launched twice; ignoring the second launch";
        continue;
      }
      Task& task = tasks_[tid];
      task.group = id;
      task.running = std::make_unique<RunningTask>(
          io_, info, killingState, [this](v1::TaskStatus status) { client_.update(std::move(status)); },
          [this, tid](v1::TaskState state) { ended(tid, state); });
      client_.taskLaunched(info);
      launched.push_back(task.running.get());
    }
    for (RunningTask* task : launched) {
      if (shuttingDown_) {
        task->kill(std::nullopt, "the executor is shutting down");
        continue;
      }
      auto sandbox = taskSandbox(task->info());
      if (!sandbox) {
        task->kill(std::nullopt, sandbox.error().message);
        continue;
      }
      task->launch(std::move(*sandbox));  // does nothing once a sibling's failure killed it
    }
    finishIfDone();
  }

  // The command executor's task runs in the executor's sandbox; a default
  // executor's in tasks/<task_id> inside it, its MESOS_SANDBOX.
  Result<RunningTask::Sandbox> taskSandbox(const v1::TaskInfo& info) {
    if (mode == Mode::COMMAND)
      return RunningTask::Sandbox{client_.environment().sandbox, inheritedEnvironment(), "", ""};
    fs::path directory = fs::path(client_.environment().sandbox) / "tasks" / info.task_id().value();
    std::error_code ec;
    fs::create_directories(directory, ec);
    if (ec) return Error("its sandbox '" + directory.string() + "' cannot be created: " + ec.message());
    auto env = inheritedEnvironment();
    env["MESOS_SANDBOX"] = directory.string();
    return RunningTask::Sandbox{directory.string(), std::move(env), (directory / "stdout").string(),
                                (directory / "stderr").string()};
  }

  void killGroup(uint64_t group, std::optional<double> grace, const std::string& because) {
    for (auto& [id, task] : tasks_) {
      if (task.group == group) task.running->kill(grace, because);
    }
  }

  // A task that fails or is killed takes its group down with it.
  void ended(const std::string& tid, v1::TaskState state) {
    if (state != v1::TASK_FINISHED)
      killGroup(tasks_.at(tid).group, std::nullopt, "task " + tid + " of its group ended");
    finishIfDone();
  }

  void finishIfDone() {
    if (tasks_.empty() && !shuttingDown_) return;  // nothing launched yet
    for (auto& [id, task] : tasks_) {
      if (!task.running->terminal()) return;
    }
    if (!client_.allAcknowledged()) return;
    exitTimer_.expires_after(std::chrono::milliseconds(0));
    exitTimer_.async_wait([this](const boost::system::error_code&) { io_.stop(); });
  }

  void disconnected(const std::string& why) {
    TLOG(WARNING) << "Disconnected from the agent: " << why << "; exiting";
    destroy();
    exitCode_ = 1;
    io_.stop();
  }

  boost::asio::io_context& io_;
  ExecutorClient client_;
  boost::asio::steady_timer exitTimer_;
  v1::FrameworkInfo frameworkInfo_;
  uint64_t nextGroup_ = 1;
  bool shuttingDown_ = false;
  int exitCode_ = 0;
  std::map<std::string, Task> tasks_;  // last: tasks stop before what their callbacks use
};

}  // namespace

int commandExecutorMain() {
  return runExecutor<BuiltinExecutor<Mode::COMMAND>>("command-executor", "tepui executor command");
}

int defaultExecutorMain() {
  return runExecutor<BuiltinExecutor<Mode::DEFAULT>>("default-executor", "tepui executor default");
}

}  // namespace tepui::executor
