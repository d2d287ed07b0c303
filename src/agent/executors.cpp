// Executors on the agent: finding or launching (executor_launch.cpp) the
// executor of each task, handing it its tasks, killing tasks and shutting
// executors down, and making every task terminal when its executor goes
// away.
#include <signal.h>

#include "agent/agent_impl.hpp"
#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/logging.hpp"
#include "common/task_states.hpp"

namespace tepui::agent {

using ExecutorEvent = v1::executor::Event;

Executor* AgentImpl::findExecutor(const std::string& frameworkId, const std::string& executorId) {
  auto fit = frameworks_.find(frameworkId);
  if (fit == frameworks_.end()) return nullptr;
  auto eit = fit->second.executors.find(executorId);
  return eit == fit->second.executors.end() ? nullptr : &eit->second;
}

void AgentImpl::sendToExecutor(Executor& executor, const ExecutorEvent& event) {
  if (!executor.subscribed()) return;
  // SUBSCRIBED opens a stream and HEARTBEATs say nothing of the tasks: no
  // wait for them.
  bool bare = event.type() == ExecutorEvent::SUBSCRIBED || event.type() == ExecutorEvent::HEARTBEAT;
  if (bare || !checkpointing(executor.frameworkId) || checkpointWriter_.idle()) {
    executor.stream->write(http::recordio::encode(codec::encode(event, executor.type)));
    return;
  }
  // A checkpointing framework's executor hears of a task, or that the agent
  // holds its update, only once that is checkpointed; its events keep their
  // order.
  checkpointWriter_.afterDurable(
      [this, fid = executor.frameworkId, eid = executor.id, cid = executor.containerId, event] {
        Executor* e = stopped_ ? nullptr : findExecutor(fid, eid);
        if (e && e->containerId == cid && e->subscribed()) {
          e->stream->write(http::recordio::encode(codec::encode(event, e->type)));
        }
      });
}

void AgentImpl::agentUpdate(const std::string& frameworkId, const v1::TaskID& taskId, v1::TaskState state,
                            v1::TaskStatus::Reason reason, const std::string& message, const std::string& executorId,
                            const v1::TaskResourceLimitation* limitation) {
  v1::TaskStatus status = sourcedStatus(taskId, state, v1::TaskStatus::SOURCE_AGENT, reason, message);
  status.set_uuid(ids::uuidBytes());
  status.mutable_agent_id()->set_value(agentId_);
  if (!executorId.empty()) status.mutable_executor_id()->set_value(executorId);
  if (limitation) *status.mutable_limitation() = *limitation;
  if (isTerminalState(state)) terminalTasks_[state]++;
  auto fit = frameworks_.find(frameworkId);
  if (fit != frameworks_.end() && fit->second.removed) return;  // nobody to tell
  if (updates_.update(frameworkId, status)) validStatusUpdates_++;
}

v1::ExecutorInfo AgentImpl::commandExecutorInfo(const v1::FrameworkInfo& framework, const v1::TaskInfo& task) const {
  v1::ExecutorInfo info;
  info.set_type(v1::ExecutorInfo::CUSTOM);
  *info.mutable_executor_id()->mutable_value() = task.task_id().value();
  *info.mutable_framework_id() = framework.id();
  std::string shown = task.command().shell() ? "sh -c '" + task.command().value() + "'" : task.command().value();
  info.set_name("Command Executor (Task: " + task.task_id().value() + ") (Command: " + shown + ")");
  info.set_source(task.task_id().value());
  auto* command = info.mutable_command();
  command->set_shell(false);
  command->set_value(flags_.launcher);
  command->add_arguments(flags_.launcher);
  command->add_arguments("executor");
  command->add_arguments("command");
  if (task.command().has_user()) command->set_user(task.command().user());
  // A command task's container is its executor's.
  if (task.has_container()) *info.mutable_container() = task.container();
  // Fetched into the executor's sandbox, where the task's command runs.
  *command->mutable_uris() = task.command().uris();
  return info;
}

Executor* AgentImpl::executorFor(const v1::FrameworkInfo& frameworkInfo, const v1::ExecutorInfo& info,
                                 Executor::Kind kind, const std::vector<v1::TaskID>& tasks) {
  const std::string& fid = frameworkInfo.id().value();
  FrameworkRecord& framework = frameworks_[fid];
  framework.info = frameworkInfo;
  const std::string eid = info.executor_id().value();
  std::string shownId = kind == Executor::Kind::COMMAND ? "" : eid;
  Executor* executor = findExecutor(fid, eid);
  if (executor && !executor->starting() && executor->state != Executor::State::RUNNING) {
    for (auto& id : tasks) {
      agentUpdate(fid, id, v1::TASK_DROPPED, v1::TaskStatus::REASON_EXECUTOR_TERMINATED,
                  "Executor " + eid + " is shutting down", shownId);
    }
    return nullptr;
  }
  if (executor) return executor;
  auto launched = launchExecutor(framework, info, kind);
  if (!launched) {
    TLOG(WARNING) << "Failed to launch executor " << eid << ": " << launched.error().message;
    containerLaunchErrors_++;
    for (auto& id : tasks) {
      agentUpdate(fid, id, v1::TASK_FAILED, v1::TaskStatus::REASON_CONTAINER_LAUNCH_FAILED,
                  kLaunchFailed + launched.error().message, shownId);
    }
    if (framework.executors.empty()) frameworks_.erase(fid);
    return nullptr;
  }
  return *launched;
}

void AgentImpl::runTask(const v1::FrameworkInfo& frameworkInfo, const v1::TaskInfo& task) {
  bool command = !task.has_executor();
  v1::ExecutorInfo info = command ? commandExecutorInfo(frameworkInfo, task) : task.executor();
  Executor* executor =
      executorFor(frameworkInfo, info, command ? Executor::Kind::COMMAND : Executor::Kind::CUSTOM, {task.task_id()});
  if (!executor) return;
  executor->tasks[task.task_id().value()].info = task;
  updateContainer(*executor);
  if (auto s = linkVolumes(task.resources(), executor->directory, executor->user); !s) {
    const std::string& id = task.task_id().value();
    return failTasks(
        *executor, [&id](const TaskRecord& record) { return record.info.task_id().value() == id; }, s.error().message);
  }
  deliverTasks(*executor);
}

void AgentImpl::runTaskGroup(const v1::FrameworkInfo& frameworkInfo, const v1::ExecutorInfo& info,
                             const v1::TaskGroupInfo& group) {
  std::vector<v1::TaskID> ids;
  for (auto& task : group.tasks()) ids.push_back(task.task_id());
  bool isDefault = info.has_type() ? info.type() == v1::ExecutorInfo::DEFAULT : !info.has_command();
  Executor* executor =
      executorFor(frameworkInfo, info, isDefault ? Executor::Kind::DEFAULT : Executor::Kind::CUSTOM, ids);
  if (!executor) return;
  uint64_t id = nextGroup_++;
  for (auto& task : group.tasks()) {
    TaskRecord& record = executor->tasks[task.task_id().value()];
    record.info = task;
    record.group = id;
  }
  for (auto& task : group.tasks()) {
    // A task of the default executor has its own sandbox, tasks/<task id>.
    std::string sandbox = executor->kind == Executor::Kind::DEFAULT
                              ? executor->directory + "/tasks/" + task.task_id().value()
                              : executor->directory;
    if (auto s = linkVolumes(task.resources(), sandbox, executor->user); !s) {
      return failTaskGroup(*executor, id, s.error().message);
    }
  }
  updateContainer(*executor);
  if (executor->kind == Executor::Kind::DEFAULT) fetchTaskGroup(*executor, id);
  deliverTasks(*executor);
}

void AgentImpl::deliverTasks(Executor& executor) {
  if (!executor.subscribed()) return;
  std::map<uint64_t, v1::TaskGroupInfo> groups;
  for (auto& [taskId, record] : executor.tasks) {
    if (record.launched || isTerminalState(record.state) || executor.groupFetches.count(record.group)) continue;
    record.launched = true;
    checkpointTask(executor, record);
    if (record.group != 0) {
      *groups[record.group].add_tasks() = record.info;
      continue;
    }
    ExecutorEvent launch;
    launch.set_type(ExecutorEvent::LAUNCH);
    *launch.mutable_launch()->mutable_task() = record.info;
    sendToExecutor(executor, launch);
  }
  for (auto& [id, group] : groups) {
    ExecutorEvent launch;
    launch.set_type(ExecutorEvent::LAUNCH_GROUP);
    *launch.mutable_launch_group()->mutable_task_group() = std::move(group);
    sendToExecutor(executor, launch);
  }
}

void AgentImpl::executorExited(const std::string& frameworkId, const std::string& executorId,
                               const std::string& containerId, int waitStatus) {
  Executor* e = findExecutor(frameworkId, executorId);
  if (!e || e->containerId != containerId) return;
  // An executor re-attached after a restart is not this process's child:
  // its exit status is not ours to collect.
  if (waitStatus < 0) return executorTerminated(*e, std::nullopt, "exited");
  executorTerminated(*e, waitStatus, containerizer::describeWaitStatus(waitStatus));
}

void AgentImpl::executorTerminated(Executor& e, std::optional<int> waitStatus, const std::string& how) {
  const std::string frameworkId = e.frameworkId, executorId = e.id;  // `e` may be forgotten at the end
  TLOG(INFO) << "Executor " << executorId << " of framework " << frameworkId << " " << how;
  bool shuttingDown = e.state == Executor::State::TERMINATING;
  e.state = Executor::State::TERMINATED;
  executorsTerminated_++;
  if (auto limit = containerizer_->limitation(e.containerId)) adoptLimitation(e, *limit);
  containerizer_->destroy(e.containerId, e.pid);
  e.pid = -1;
  e.cancelTimers();
  if (e.fetch) e.fetch->cancel();
  for (auto& [group, run] : e.groupFetches) run->cancel();
  if (e.stream) e.stream->close();

  for (auto& [taskId, record] : e.tasks) {
    v1::TaskState latest = updates_.latestQueuedState(frameworkId, taskId).value_or(record.state);
    if (isTerminalState(latest)) continue;
    auto reason = e.terminationReason.value_or(v1::TaskStatus::REASON_EXECUTOR_TERMINATED);
    std::string message = e.terminationMessage.empty() ? "Executor " + how : e.terminationMessage;
    v1::TaskState state = e.terminationState.value_or(shuttingDown ? v1::TASK_KILLED : v1::TASK_FAILED);
    record.state = state;
    agentUpdate(frameworkId, record.info.task_id(), state, reason, message, e.commandExecutor ? "" : executorId,
                e.terminationLimitation ? &*e.terminationLimitation : nullptr);
  }

  internal::AgentCall call;
  call.set_type(internal::AgentCall::EXECUTOR_EXITED);
  auto* exited = call.mutable_executor_exited();
  exited->mutable_framework_id()->set_value(frameworkId);
  exited->mutable_executor_id()->set_value(executorId);
  if (waitStatus) exited->set_status(*waitStatus);
  sendToMaster(std::move(call));
  maybeForgetExecutor(frameworkId, executorId);
}

void AgentImpl::maybeForgetExecutor(std::string frameworkId, std::string executorId) {
  auto fit = frameworks_.find(frameworkId);
  if (fit == frameworks_.end()) return;
  auto eit = fit->second.executors.find(executorId);
  if (eit == fit->second.executors.end()) return;
  Executor& e = eit->second;
  if (e.state != Executor::State::TERMINATED) {
    // A command executor with nothing left to run has done its job: it
    // exits by itself after its last acknowledgement.
    return;
  }
  for (auto& [taskId, record] : e.tasks) {
    if (!updates_.drained(frameworkId, taskId)) return;
  }
  for (auto& [taskId, record] : e.tasks) {
    updates_.removeTask(frameworkId, taskId);
    taskCompleted(e, record);
  }
  executorCompleted(e);
  fit->second.executors.erase(eit);
  forgetCheckpointedExecutor(frameworkId, executorId);
  if (fit->second.executors.empty()) {
    frameworkCompleted(fit->second);
    frameworks_.erase(fit);
    forgetCheckpointedFramework(frameworkId);
  }
}

void AgentImpl::killTask(const internal::AgentEvent::KillTask& kill) {
  const std::string& fid = kill.framework_id().value();
  const std::string& tid = kill.task_id().value();
  auto fit = frameworks_.find(fid);
  if (fit != frameworks_.end()) {
    for (auto& [eid, e] : fit->second.executors) {
      auto tit = e.tasks.find(tid);
      if (tit == e.tasks.end()) continue;
      if (!tit->second.launched) {
        // Never reached its executor: it is killed before it starts, and
        // so is the rest of its task group, as Mesos does.
        uint64_t group = tit->second.group;
        for (auto& [id, record] : e.tasks) {
          if (id != tid && (group == 0 || record.group != group)) continue;
          if (record.launched || isTerminalState(record.state)) continue;
          record.state = v1::TASK_KILLED;
          agentUpdate(fid, record.info.task_id(), v1::TASK_KILLED, v1::TaskStatus::REASON_TASK_KILLED_DURING_LAUNCH,
                      "Killed before delivery to the executor", e.commandExecutor ? "" : eid);
        }
        if (auto fetch = e.groupFetches.find(group); fetch != e.groupFetches.end()) fetch->second->cancel();
        shutdownIfIdle(e, "its tasks were killed before it got them");
        return;
      }
      ExecutorEvent event;
      event.set_type(ExecutorEvent::KILL);
      *event.mutable_kill()->mutable_task_id() = kill.task_id();
      if (kill.has_kill_policy()) *event.mutable_kill()->mutable_kill_policy() = kill.kill_policy();
      sendToExecutor(e, event);
      return;
    }
  }
  agentUpdate(fid, kill.task_id(), v1::TASK_LOST, v1::TaskStatus::REASON_TASK_UNKNOWN,
              "Attempted to kill a task this agent does not know");
}

void AgentImpl::shutdownExecutor(const std::string& frameworkId, const std::string& executorId,
                                 const std::string& why) {
  Executor* e = findExecutor(frameworkId, executorId);
  if (!e || e->state == Executor::State::TERMINATED || e->state == Executor::State::TERMINATING) return;
  TLOG(INFO) << "Shutting down executor " << executorId << " of framework " << frameworkId << ": " << why;
  bool subscribed = e->subscribed(), fetching = e->state == Executor::State::FETCHING;
  e->state = Executor::State::TERMINATING;
  for (auto& [group, run] : e->groupFetches) run->cancel();
  if (fetching) {
    e->terminationMessage = "Executor was shut down while fetching its URIs: " + why;
    e->fetch->cancel();  // executorFetched() ends it once the fetcher is gone
    return;
  }
  if (!subscribed) return killContainer(*e);
  ExecutorEvent event;
  event.set_type(ExecutorEvent::SHUTDOWN);
  sendToExecutor(*e, event);
  Seconds grace = e->info.has_shutdown_grace_period()
                      ? Seconds(static_cast<double>(e->info.shutdown_grace_period().nanoseconds()) / 1e9)
                      : flags_.executor_shutdown_grace_period;
  e->shutdownTimer = std::make_unique<Timer>(io_);
  e->shutdownTimer->expires_after(clock::seconds(grace.count()));
  std::string containerId = e->containerId;
  e->shutdownTimer->async_wait([this, frameworkId, executorId, containerId](const boost::system::error_code& ec) {
    if (ec) return;
    Executor* ex = findExecutor(frameworkId, executorId);
    if (ex && ex->containerId == containerId) killContainer(*ex);
  });
}

void AgentImpl::shutdownIfIdle(Executor& e, const std::string& why) {
  for (auto& [taskId, record] : e.tasks) {
    if (record.launched) return;
    if (!isTerminalState(updates_.latestQueuedState(e.frameworkId, taskId).value_or(record.state))) return;
  }
  shutdownExecutor(e.frameworkId, e.id, why);
}

void AgentImpl::shutdownFramework(const std::string& frameworkId) {
  auto fit = frameworks_.find(frameworkId);
  if (fit == frameworks_.end()) return;
  fit->second.removed = true;
  for (auto& [eid, e] : fit->second.executors) {
    (void)e;
    shutdownExecutor(frameworkId, eid, "its framework was removed");
  }
  updates_.removeFramework(frameworkId);
  // Executors that had ended were only waiting for those updates.
  std::vector<std::string> ended;
  for (auto& [eid, e] : fit->second.executors) {
    if (e.state == Executor::State::TERMINATED) ended.push_back(eid);
  }
  for (auto& eid : ended) maybeForgetExecutor(frameworkId, eid);
}

}  // namespace tepui::agent
