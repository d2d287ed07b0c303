// The agent's checkpoint (agent_state.hpp) and recovery from it.
//
// What is written, and when (only for frameworks with
// FrameworkInfo.checkpoint, as Mesos does; the agent's own info always):
//   - agent.info and `latest` at each registration;
//   - framework.info, executor.info and the executor's pid and start time
//     once its process is spawned (and framework.info again on
//     UPDATE_FRAMEWORK);
//   - task.info when the task is handed to its executor;
//   - task.updates whenever the task's status update stream changes, before
//     the executor hears that the agent holds its update;
//   - removals when the agent forgets a task, an executor or a framework,
//     and `latest` when the master shuts the agent down.
//
// At start (--recover=reconnect) the agent keeps its id and rebuilds what
// ran. An executor whose process is still the one it started (same pid and
// start time) is re-attached: it has --executor_reregistration_timeout to
// subscribe again, after which it is killed. Executors that are gone, or do
// not come back in time, are handled as Mesos's agent does: their tasks
// without a terminal update become TASK_LOST (TASK_GONE for PARTITION_AWARE
// frameworks), with REASON_EXECUTOR_TERMINATED or
// REASON_EXECUTOR_REREGISTRATION_TIMEOUT. Queued status updates are sent
// again once the agent is registered. With --recover=cleanup the executors
// still alive are killed and the checkpoint dropped; the agent registers as
// a new one (its reservations and volumes, kept apart, stay).
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "agent/agent_impl.hpp"
#include "common/attributes.hpp"
#include "common/checkpoint.hpp"
#include "common/clock.hpp"
#include "common/logging.hpp"
#include "common/resource_conversions.hpp"
#include "common/task_states.hpp"
#include "containerizer/process_start_time.hpp"

namespace tepui::agent {

namespace {

constexpr double kMaxReregistrationTimeout = 15;  // seconds, as Mesos

bool partitionAware(const v1::FrameworkInfo& framework) {
  for (auto& c : framework.capabilities()) {
    if (c.type() == v1::FrameworkInfo::Capability::PARTITION_AWARE) return true;
  }
  return false;
}

std::string attributesText(const google::protobuf::RepeatedPtrField<v1::Attribute>& attributes) {
  std::string text;
  for (auto& a : attributes) text += (text.empty() ? "" : ";") + a.name() + ":" + attributeValueString(a);
  return text;
}

// Empty when `now` may take over from `saved`; else what differs.
std::string incompatibility(const v1::AgentInfo& saved, const v1::AgentInfo& now) {
  std::string why;
  Resources before = conversions::base(Resources(saved.resources()));
  Resources after = conversions::base(Resources(now.resources()));
  if (!(before == after)) why = "resources were '" + before.toString() + "', now '" + after.toString() + "'";
  std::string was = attributesText(saved.attributes()), is = attributesText(now.attributes());
  if (was != is) why += (why.empty() ? "" : "; ") + std::string("attributes were '") + was + "', now '" + is + "'";
  return why;
}

Executor::Kind kindOf(internal::CheckpointedExecutor::Kind kind) {
  switch (kind) {
    case internal::CheckpointedExecutor::COMMAND: return Executor::Kind::COMMAND;
    case internal::CheckpointedExecutor::DEFAULT: return Executor::Kind::DEFAULT;
    default: return Executor::Kind::CUSTOM;
  }
}

internal::CheckpointedExecutor::Kind kindOf(Executor::Kind kind) {
  switch (kind) {
    case Executor::Kind::COMMAND: return internal::CheckpointedExecutor::COMMAND;
    case Executor::Kind::DEFAULT: return internal::CheckpointedExecutor::DEFAULT;
    default: return internal::CheckpointedExecutor::CUSTOM;
  }
}

// Kills each checkpointed executor still alive, and waits (briefly) for it
// to be gone: its tasks die with it (the built-in executors' tasks have
// PR_SET_PDEATHSIG).
void killLeftovers(const state::RecoveredAgent& agent) {
  std::vector<std::pair<pid_t, uint64_t>> alive;
  for (auto& [fid, f] : agent.frameworks) {
    for (auto& [eid, e] : f.executors) {
      for (auto& run : e.runs) {
        if (!run.process || !containerizer::sameProcess(run.process->pid(), run.process->start_time())) continue;
        TLOG(INFO) << "Killing executor " << eid << " of framework " << fid << " (pid " << run.process->pid() << ")";
        containerizer::signalGroup(run.process->pid(), SIGKILL);
        alive.emplace_back(run.process->pid(), run.process->start_time());
      }
    }
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!alive.empty() && std::chrono::steady_clock::now() < deadline) {
    std::erase_if(alive, [](auto& p) { return !containerizer::sameProcess(p.first, p.second); });
    if (!alive.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& [pid, start] : alive) TLOG(ERROR) << "Executor process " << pid << " is still alive after SIGKILL";
}

}  // namespace

Status AgentImpl::recoverState(const std::vector<v1::Attribute>& attributes) {
  if (flags_.recover != "reconnect" && flags_.recover != "cleanup") {
    return Error("invalid --recover '" + flags_.recover + "': expected 'reconnect' or 'cleanup'");
  }
  double timeout = flags_.executor_reregistration_timeout.count();
  if (timeout <= 0 || timeout > kMaxReregistrationTimeout) {
    return Error("--executor_reregistration_timeout must be positive and at most 15secs");
  }
  std::string remedy = "; to start as a new agent, remove the checkpoint: rm -f " + checkpoint_.latestPath();
  auto recovered = checkpoint_.recover();
  if (!recovered) return recovered.error().context("cannot recover the agent's checkpoint" + remedy);
  if (!*recovered) return okStatus();
  const state::RecoveredAgent& agent = **recovered;
  const std::string& id = agent.info.id().value();

  if (flags_.recover == "cleanup") {
    TLOG(INFO) << "--recover=cleanup: killing the executors of agent " << id << " and dropping its checkpoint";
    killLeftovers(agent);
    if (auto s = checkpoint_.removeAll(); !s) return s.error().context("cannot drop the checkpoint");
    return okStatus();
  }

  v1::AgentInfo now;
  total_.copyTo(now.mutable_resources());
  for (auto& a : attributes) *now.add_attributes() = a;
  if (auto why = incompatibility(agent.info, now); !why.empty()) {
    return Error("Incompatible agent info detected for agent " + id + " (checkpointed in " + checkpoint_.agentDir(id) +
                 "): " + why + remedy + " (the agent then registers as a new one)");
  }
  agentId_ = id;
  // Executors know the agent by the address they were given: a restart on
  // --port=0 takes the port back.
  if (flags_.port == 0) flags_.port = static_cast<uint16_t>(agent.info.port());
  if (flags_.port != agent.info.port()) {
    TLOG(WARNING) << "Listening on port " << flags_.port << " where agent " << id << " had " << agent.info.port()
                  << ": its executors will not find it and will be killed after --executor_reregistration_timeout";
  }

  std::vector<std::string> gone;  // "framework id/executor id"
  size_t executors = 0;
  for (auto& [fid, f] : agent.frameworks) {
    FrameworkRecord& framework = frameworks_[fid];
    framework.info = f.info;
    framework.infoCheckpointed = true;  // read from there
    for (auto& [eid, e] : f.executors) recoverExecutor(framework, eid, e, gone);
    executors += framework.executors.size();
    if (framework.executors.empty()) {
      frameworks_.erase(fid);
      forgetCheckpointedFramework(fid);
    }
  }
  TLOG(INFO) << "Recovered agent " << id << " with " << executors << " executor(s), " << gone.size() << " of them gone";
  for (const std::string& key : gone) {
    auto slash = key.find('/');
    Executor* e = findExecutor(key.substr(0, slash), key.substr(slash + 1));
    if (e) executorTerminated(*e, std::nullopt, "exited while the agent was down");
  }
  return okStatus();
}

void AgentImpl::recoverExecutor(FrameworkRecord& framework, const std::string& executorId,
                                const state::RecoveredExecutor& recovered, std::vector<std::string>& gone) {
  const std::string fid = framework.info.id().value();
  const state::RecoveredRun* run = nullptr;
  for (auto& r : recovered.runs) {
    if (r.process && containerizer::sameProcess(r.process->pid(), r.process->start_time())) run = &r;
  }
  bool alive = run != nullptr;
  if (!run && !recovered.runs.empty()) run = &recovered.runs.back();
  for (auto& r : recovered.runs) {
    if (&r == run) continue;  // an older run whose removal a crash cut short
    (void)checkpoint::remove(checkpoint_.runDir(agentId_, fid, executorId, r.containerId));
  }
  if (!run) return forgetCheckpointedExecutor(fid, executorId);

  Executor& e = framework.executors[executorId];
  e.frameworkId = fid;
  e.id = executorId;
  e.containerId = run->containerId;
  e.directory = sandboxPath(fid, executorId, run->containerId);
  e.info = recovered.info.info();
  e.kind = kindOf(recovered.info.kind());
  e.commandExecutor = e.kind == Executor::Kind::COMMAND;
  if (recovered.info.has_user()) e.user = recovered.info.user();
  e.state = Executor::State::REGISTERING;
  for (auto& [taskId, task] : run->tasks) {
    updates_.recover(fid, taskId, task.updates);
    TaskRecord& record = e.tasks[taskId];
    record.info = task.info;
    record.launched = true;
    record.checkpointed = true;
    record.state = updates_.latestQueuedState(fid, taskId)
                       .value_or(updates_.acknowledgedState(fid, taskId).value_or(v1::TASK_STAGING));
    if (isTerminalState(record.state) && updates_.drained(fid, taskId)) {
      // Done with, but its removal was cut short.
      forgetCheckpointedTask(e, record);
      updates_.removeTask(fid, taskId);
      e.tasks.erase(taskId);
    }
  }
  // Until it subscribes again, its end loses its tasks.
  e.terminationState = partitionAware(framework.info) ? v1::TASK_GONE : v1::TASK_LOST;
  if (alive) {
    e.pid = run->process->pid();
    e.recovered = true;
    reattachExecutor(e);
    return;
  }
  e.terminationReason = v1::TaskStatus::REASON_EXECUTOR_TERMINATED;
  e.terminationMessage = "Executor exited while the agent was down";
  gone.push_back(fid + "/" + executorId);
}

void AgentImpl::reattachExecutor(Executor& e) {
  const std::string timeout = formatDuration(flags_.executor_reregistration_timeout);
  watchUntilSubscribed(e, flags_.executor_reregistration_timeout,
                       v1::TaskStatus::REASON_EXECUTOR_REREGISTRATION_TIMEOUT,
                       "Executor did not re-register within " + timeout + " after the agent restarted");
  TLOG(INFO) << "Re-attached to executor " << e.id << " of framework " << e.frameworkId << " (pid " << e.pid
             << "); waiting " << timeout << " for it to subscribe again";
}

void AgentImpl::droppedInRestart(Executor& e, const std::set<std::string>& reported) {
  bool aware = partitionAware(frameworks_.at(e.frameworkId).info);
  for (auto& [taskId, record] : e.tasks) {
    if (reported.contains(taskId) || record.state != v1::TASK_STAGING) continue;
    if (updates_.latestQueuedState(e.frameworkId, taskId) || updates_.acknowledgedState(e.frameworkId, taskId)) {
      continue;
    }
    record.state = aware ? v1::TASK_DROPPED : v1::TASK_LOST;
    agentUpdate(e.frameworkId, record.info.task_id(), record.state, v1::TaskStatus::REASON_AGENT_RESTARTED,
                "The agent restarted before the task reached its executor", e.commandExecutor ? "" : e.id);
  }
}

bool AgentImpl::checkpointing(const std::string& frameworkId) const {
  auto it = frameworks_.find(frameworkId);
  return it != frameworks_.end() && it->second.info.checkpoint();
}

namespace {
void logFailure(const Status& s) {
  if (!s) TLOG(ERROR) << "Failed to checkpoint: " << s.error().message;
}
}  // namespace

void AgentImpl::checkpointAgent() {
  v1::AgentInfo info = info_;
  info.mutable_id()->set_value(agentId_);
  logFailure(checkpoint_.writeAgent(info));
}

void AgentImpl::checkpointFramework(FrameworkRecord& framework) {
  if (framework.infoCheckpointed || !framework.info.checkpoint() || framework.executors.empty()) return;
  auto s = checkpoint_.writeFramework(agentId_, framework.info);
  logFailure(s);
  framework.infoCheckpointed = s.ok();
}

void AgentImpl::checkpointRun(Executor& e) {
  if (!checkpointing(e.frameworkId)) return;
  checkpointFramework(frameworks_.at(e.frameworkId));
  internal::CheckpointedExecutor executor;
  *executor.mutable_info() = e.info;
  executor.set_kind(kindOf(e.kind));
  if (e.user) executor.set_user(*e.user);
  logFailure(checkpoint_.writeExecutor(agentId_, e.frameworkId, executor));
  auto start = containerizer::processStartTime(e.pid);
  if (!start) {
    // Already gone: its exit is on its way through the watcher.
    TLOG(WARNING) << "Executor " << e.id << " (pid " << e.pid << ") exited before it could be checkpointed";
    return;
  }
  internal::ExecutorRun run;
  run.set_pid(e.pid);
  run.set_start_time(*start);
  logFailure(checkpoint_.writeRun(agentId_, e.frameworkId, e.id, e.containerId, run));
  // Its tasks too, while it starts: they are then on disk, in the same
  // group of writes, by the time it subscribes for them.
  for (auto& [taskId, task] : e.tasks) {
    if (!isTerminalState(task.state)) checkpointTask(e, task);
  }
}

void AgentImpl::checkpointTask(const Executor& e, TaskRecord& task) {
  if (task.checkpointed || !checkpointing(e.frameworkId)) return;
  auto s = checkpoint_.writeTask(agentId_, e.frameworkId, e.id, e.containerId, task.info);
  logFailure(s);
  task.checkpointed = s.ok();
}

void AgentImpl::checkpointUpdates(const std::string& frameworkId, const std::string& taskId,
                                  const internal::TaskUpdates& stream) {
  if (!checkpointing(frameworkId)) return;
  for (auto& [eid, e] : frameworks_.at(frameworkId).executors) {
    auto it = e.tasks.find(taskId);
    if (it == e.tasks.end()) continue;
    if (it->second.checkpointed) {
      logFailure(checkpoint_.writeUpdates(agentId_, frameworkId, eid, e.containerId, taskId, stream));
    }
    return;
  }
}

void AgentImpl::forgetCheckpointedTask(const Executor& e, const TaskRecord& task) {
  if (!task.checkpointed) return;
  logFailure(checkpoint_.removeTask(agentId_, e.frameworkId, e.id, e.containerId, task.info.task_id().value()));
}

void AgentImpl::forgetCheckpointedExecutor(const std::string& frameworkId, const std::string& executorId) {
  if (agentId_.empty()) return;
  logFailure(checkpoint_.removeExecutor(agentId_, frameworkId, executorId));
}

void AgentImpl::forgetCheckpointedFramework(const std::string& frameworkId) {
  if (agentId_.empty()) return;
  logFailure(checkpoint_.removeFramework(agentId_, frameworkId));
}

}  // namespace tepui::agent
