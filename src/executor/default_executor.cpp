// `tepui executor default`: the default executor, which runs task groups
// (LAUNCH_GROUP) as Mesos's default executor does. Each task runs as its own
// process group in its own sandbox, `tasks/<task_id>` inside the executor's
// sandbox (which the whole group shares), with MESOS_SANDBOX pointing at it
// and its own stdout and stderr files. Every task reports TASK_STARTING,
// TASK_RUNNING and its own terminal state. When a task fails or is killed,
// the rest of its group is killed; a KILL for one task kills its whole
// group. A lone LAUNCH is run as a group of one. The executor exits once no
// task is left running and every update has been acknowledged.
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <memory>

#include "common/logging.hpp"
#include "common/task_states.hpp"
#include "executor/executor_client.hpp"
#include "executor/executors.hpp"
#include "executor/run_executor.hpp"
#include "executor/task_process.hpp"

namespace tepui::executor {

namespace {

namespace fs = std::filesystem;
using Event = v1::executor::Event;

class DefaultExecutor {
 public:
  DefaultExecutor(boost::asio::io_context& io, ExecutorEnvironment env)
      : io_(io),
        client_(
            io, std::move(env), [this](const Event& e) { handle(e); },
            [this](const std::string& why) { disconnected(why); }),
        exitTimer_(io) {}

  void start() { client_.subscribe(); }
  // The executor is being destroyed: its tasks go with it.
  void destroy() {
    for (auto& [id, task] : tasks_) {
      if (task.process) task.process->destroy();
    }
  }
  int exitCode() const { return exitCode_; }

 private:
  struct Task {
    v1::TaskInfo info;
    uint64_t group = 0;
    std::unique_ptr<TaskProcess> process;
    bool terminal = false;
    std::string killedBecause;  // why the executor killed it, if it did
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
          kill(task, std::max(0.0, client_.environment().shutdownGracePeriod - 1.0), "the executor is shutting down");
        }
        finishIfDone();
        break;
      case Event::ACKNOWLEDGED: finishIfDone(); break;
      case Event::ERROR: TLOG(ERROR) << "Error from the agent: " << event.error().message(); break;
      default: break;
    }
  }

  void send(const v1::TaskInfo& task, v1::TaskState state, const std::string& message,
            std::optional<v1::TaskStatus::Reason> reason = std::nullopt) {
    v1::TaskStatus status;
    *status.mutable_task_id() = task.task_id();
    status.set_state(state);
    if (!message.empty()) status.set_message(message);
    if (reason) status.set_reason(*reason);
    client_.update(std::move(status));
  }

  void launchGroup(const v1::TaskGroupInfo& group) {
    if (shuttingDown_) {
      for (auto& t : group.tasks()) send(t, v1::TASK_KILLED, "The executor is shutting down");
      return;
    }
    uint64_t id = nextGroup_++;
    std::vector<std::string> ids;
    for (auto& info : group.tasks()) {
      const std::string& tid = info.task_id().value();
      if (tasks_.count(tid)) {
        TLOG(ERROR) << "Task " << tid << " was launched twice; ignoring the second launch";
        continue;
      }
      Task& task = tasks_[tid];
      task.info = info;
      task.group = id;
      ids.push_back(tid);
      client_.taskLaunched(info);
      send(info, v1::TASK_STARTING, "");
    }
    for (auto& tid : ids) {
      Task& task = tasks_.at(tid);
      if (task.terminal) continue;  // killed while a sibling failed to start
      if (auto s = startTask(task); !s) {
        task.terminal = true;
        send(task.info, v1::TASK_FAILED, "Failed to launch the task: " + s.error().message,
             v1::TaskStatus::REASON_COMMAND_EXECUTOR_FAILED);
        killGroup(id, std::nullopt, "task " + tid + " of its group failed to start");
        continue;
      }
      send(task.info, v1::TASK_RUNNING, "");
    }
    finishIfDone();
  }

  Status startTask(Task& task) {
    const std::string& tid = task.info.task_id().value();
    fs::path directory = fs::path(client_.environment().sandbox) / "tasks" / tid;
    std::error_code ec;
    fs::create_directories(directory, ec);
    if (ec) return Error("cannot create the task's sandbox '" + directory.string() + "': " + ec.message());
    auto env = inheritedEnvironment();
    env["MESOS_SANDBOX"] = directory.string();
    task.process = std::make_unique<TaskProcess>(io_, [this, tid](int status) { exited(tid, status); });
    return task.process->start(task.info.command(), directory.string(), std::move(env),
                               (directory / "stdout").string(), (directory / "stderr").string());
  }

  void kill(Task& task, std::optional<double> grace, const std::string& because) {
    if (task.terminal) return;
    if (!task.process || !task.process->running()) {
      task.terminal = true;
      send(task.info, v1::TASK_KILLED, because.empty() ? "Killed before it started" : "Killed because " + because);
      return;
    }
    if (!task.process->killing()) {
      task.killedBecause = because;
      for (auto& c : frameworkInfo_.capabilities()) {
        if (c.type() == v1::FrameworkInfo::Capability::TASK_KILLING_STATE) send(task.info, v1::TASK_KILLING, "");
      }
    }
    task.process->kill(killGraceSeconds(task.info, grace));
  }

  void killGroup(uint64_t group, std::optional<double> grace, const std::string& because) {
    for (auto& [id, task] : tasks_) {
      if (task.group == group) kill(task, grace, because);
    }
  }

  void exited(const std::string& tid, int status) {
    Task& task = tasks_.at(tid);
    task.terminal = true;
    std::string how = "Command " + containerizer::describeWaitStatus(status);
    bool failed = false;
    if (task.process->killing()) {
      send(task.info, v1::TASK_KILLED, task.killedBecause.empty() ? how : how + "; killed because " + task.killedBecause);
      failed = true;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      send(task.info, v1::TASK_FINISHED, how);
    } else {
      send(task.info, v1::TASK_FAILED, how, v1::TaskStatus::REASON_COMMAND_EXECUTOR_FAILED);
      failed = true;
    }
    if (failed) killGroup(task.group, std::nullopt, "task " + tid + " of its group ended");
    finishIfDone();
  }

  void finishIfDone() {
    if (tasks_.empty() && !shuttingDown_) return;  // nothing launched yet
    for (auto& [id, task] : tasks_) {
      if (!task.terminal) return;
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
  std::map<std::string, Task> tasks_;
  uint64_t nextGroup_ = 1;
  bool shuttingDown_ = false;
  int exitCode_ = 0;
};

}  // namespace

int defaultExecutorMain() { return runExecutor<DefaultExecutor>("default-executor", "tepui executor default"); }

}  // namespace tepui::executor
