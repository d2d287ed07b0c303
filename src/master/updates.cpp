// Task state: status updates from agents forwarded to frameworks (in order
// per task, because the agent sends the next only after the previous is
// acknowledged), acknowledgements back to agents, KILL, and RECONCILE.
#include "common/clock.hpp"
#include "common/logging.hpp"
#include "common/task_states.hpp"
#include "master/master_impl.hpp"

namespace tepui::master {

namespace {
using Event = v1::scheduler::Event;
}

bool MasterImpl::isTerminal(v1::TaskState s) const { return isTerminalState(s); }

void MasterImpl::setTaskState(TaskEntry& entry, v1::TaskState state) {
  liveTasks_[entry.task.state()]--;
  liveTasks_[state]++;
  entry.task.set_state(state);
  entry.encoded.reset();  // whatever else the caller changes, it does so before a snapshot can run
}

v1::TaskState MasterImpl::lostState(const Framework& framework, v1::TaskState partitionAwareState) const {
  return framework.partitionAware ? partitionAwareState : v1::TASK_LOST;
}

void MasterImpl::recoverTaskResources(Framework& framework, TaskEntry& entry) {
  if (entry.resourcesRecovered) return;
  entry.resourcesRecovered = true;
  allocator_->recoverResources(framework.id, entry.task.agent_id().value(), entry.resources, std::nullopt, now());
  requestAllocation();
}

void MasterImpl::updateTaskState(Framework& framework, TaskEntry& entry, const v1::TaskStatus& status,
                                 v1::TaskState latest) {
  bool wasTerminal = isTerminal(entry.task.state());
  setTaskState(entry, latest);
  entry.task.set_status_update_state(status.state());
  if (status.has_uuid()) entry.task.set_status_update_uuid(status.uuid());
  // Keep the history short: what a person needs to see why a task ended.
  v1::TaskStatus* kept = entry.task.add_statuses();
  *kept = status;
  kept->clear_data();
  if (entry.task.statuses_size() > 32) entry.task.mutable_statuses()->DeleteSubrange(0, 1);
  if (isTerminal(latest)) {
    recoverTaskResources(framework, entry);
    if (!wasTerminal) counters_.terminalTasks[latest]++;
  }
  publishTaskUpdated(framework.id, status, latest);
}

void MasterImpl::statusUpdate(Agent& agent, const internal::AgentCall::StatusUpdate& update) {
  const v1::TaskStatus& status = update.status();
  auto fit = frameworks_.find(update.framework_id().value());
  if (fit == frameworks_.end()) {
    counters_.invalidStatusUpdates++;
    TLOG(WARNING) << "Status update " << v1::TaskState_Name(status.state()) << " for task " << status.task_id().value()
                  << " of unknown framework " << update.framework_id().value();
    return;
  }
  Framework& f = fit->second;
  counters_.validStatusUpdates++;
  v1::TaskState latest = update.has_latest_state() ? update.latest_state() : status.state();

  auto tit = f.tasks.find(status.task_id().value());
  if (tit == f.tasks.end()) {
    // A task the master does not know (e.g. it was removed as unreachable and
    // its agent came back): report what the agent says, as Mesos does.
    TLOG(INFO) << "Forwarding update for unknown task " << status.task_id().value() << " on agent " << agent.id;
  } else {
    updateTaskState(f, tit->second, status, latest);
    if (status.has_uuid()) tit->second.pendingUpdate = status;
  }

  Event event;
  event.set_type(Event::UPDATE);
  *event.mutable_update()->mutable_status() = status;
  sendToFramework(f, event);
}

void MasterImpl::acknowledge(Framework& framework, const v1::scheduler::Call::Acknowledge& ack) {
  auto ait = agents_.find(ack.agent_id().value());
  auto tit = framework.tasks.find(ack.task_id().value());
  if (tit != framework.tasks.end()) {
    TaskEntry& entry = tit->second;
    if (entry.pendingUpdate && entry.pendingUpdate->uuid() == ack.uuid()) {
      bool terminal = isTerminal(entry.pendingUpdate->state());
      entry.pendingUpdate.reset();
      // A task leaves the master's active set once its terminal update is
      // acknowledged.
      if (terminal) removeTask(framework, ack.task_id().value(), false);
    }
  }
  if (ait == agents_.end() || !ait->second.connected) {
    counters_.invalidStatusUpdateAcknowledgements++;
    TLOG(WARNING) << "Acknowledgement for task " << ack.task_id().value() << " on unknown or disconnected agent "
                  << ack.agent_id().value() << "; the agent will resend the update";
    return;
  }
  counters_.validStatusUpdateAcknowledgements++;
  internal::AgentEvent event;
  event.set_type(internal::AgentEvent::ACKNOWLEDGE);
  auto* a = event.mutable_acknowledge();
  a->mutable_framework_id()->set_value(framework.id);
  *a->mutable_task_id() = ack.task_id();
  a->set_uuid(ack.uuid());
  sendToAgent(ait->second, event);
}

void MasterImpl::removeTask(Framework& framework, const std::string& taskId, bool unreachable) {
  auto it = framework.tasks.find(taskId);
  if (it == framework.tasks.end()) return;
  liveTasks_[it->second.task.state()]--;
  recoverTaskResources(framework, it->second);
  auto ait = agents_.find(it->second.task.agent_id().value());
  if (ait != agents_.end()) ait->second.tasks.erase({framework.id, taskId});
  retireTask(framework, std::move(it->second.task), unreachable);
  framework.tasks.erase(it);
}

void MasterImpl::retireTask(Framework& framework, v1::Task task, bool unreachable) {
  auto& into = unreachable ? framework.unreachableTasks : framework.completedTasks;
  int limit = unreachable ? flags_.max_unreachable_tasks_per_framework : flags_.max_completed_tasks_per_framework;
  into.push_back(std::move(task));
  while (static_cast<int>(into.size()) > limit) into.pop_front();
}

void MasterImpl::kill(Framework& framework, const v1::scheduler::Call::Kill& kill) {
  auto tit = framework.tasks.find(kill.task_id().value());
  if (tit == framework.tasks.end()) {
    // Unknown to the master: say so, so the framework does not wait forever.
    sendMasterUpdate(framework, kill.task_id(), v1::TASK_LOST, v1::TaskStatus::REASON_RECONCILIATION,
                     "Attempted to kill an unknown task",
                     kill.has_agent_id() ? kill.agent_id().value() : std::string());
    return;
  }
  TaskEntry& entry = tit->second;
  auto ait = agents_.find(entry.task.agent_id().value());
  if (ait == agents_.end() || !ait->second.connected) {
    TLOG(WARNING) << "Cannot kill task " << kill.task_id().value() << " now: its agent "
                  << entry.task.agent_id().value() << " is disconnected";
    return;
  }
  internal::AgentEvent event;
  event.set_type(internal::AgentEvent::KILL_TASK);
  auto* k = event.mutable_kill_task();
  k->mutable_framework_id()->set_value(framework.id);
  *k->mutable_task_id() = kill.task_id();
  if (kill.has_kill_policy()) *k->mutable_kill_policy() = kill.kill_policy();
  sendToAgent(ait->second, event);
}

http::Response MasterImpl::operatorKill(const v1::master::Call::KillTask& call) {
  const std::string& taskId = call.task_id().value();
  std::vector<Framework*> holders;
  for (auto& [id, f] : frameworks_) {
    if (call.has_framework_id() && id != call.framework_id().value()) continue;
    if (f.tasks.count(taskId)) holders.push_back(&f);
  }
  if (holders.empty()) {
    // Ended, or given up on with its agent: say so rather than "unknown".
    for (auto& [id, f] : frameworks_) {
      if (call.has_framework_id() && id != call.framework_id().value()) continue;
      for (const auto* kept : {&f.completedTasks, &f.unreachableTasks}) {
        for (const v1::Task& t : *kept) {
          if (t.task_id().value() != taskId) continue;
          return http::Response::text(
              409, "Task '" + taskId + "' of framework " + id +
                       (kept == &f.unreachableTasks ? " is on an unreachable agent\n"
                                                    : " has already ended (" + v1::TaskState_Name(t.state()) + ")\n"));
        }
      }
    }
    return http::Response::text(
        404, "No live task '" + taskId + "'" +
                 (call.has_framework_id() ? " in framework '" + call.framework_id().value() + "'" : std::string()) +
                 "\n");
  }
  if (holders.size() > 1) {
    std::string names;
    for (Framework* f : holders) names += (names.empty() ? "" : ", ") + f->id;
    return http::Response::text(
        409, "Task '" + taskId + "' exists in several frameworks (" + names + "): name one with 'framework_id'\n");
  }
  Framework& f = *holders.front();
  const TaskEntry& entry = f.tasks.at(taskId);
  if (isTerminal(entry.task.state())) {
    return http::Response::text(
        409, "Task '" + taskId + "' has already ended (" + v1::TaskState_Name(entry.task.state()) + ")\n");
  }
  auto agent = agents_.find(entry.task.agent_id().value());
  if (agent == agents_.end() || !agent->second.connected) {
    return http::Response::text(409, "Task '" + taskId + "' cannot be killed now: its agent " +
                                         entry.task.agent_id().value() + " is disconnected\n");
  }
  TLOG(INFO) << "Killing task " << taskId << " of framework " << f.id << " for the operator";
  v1::scheduler::Call::Kill kill;
  *kill.mutable_task_id() = call.task_id();
  *kill.mutable_agent_id() = entry.task.agent_id();
  this->kill(f, kill);
  return http::Response::empty(200);
}

void MasterImpl::reconcile(Framework& framework, const v1::scheduler::Call::Reconcile& reconcile) {
  auto send = [&](const v1::TaskID& taskId, v1::TaskState state, const std::string& agentId,
                  const std::string& message) {
    Event event;
    event.set_type(Event::UPDATE);
    auto* s = event.mutable_update()->mutable_status();
    *s->mutable_task_id() = taskId;
    s->set_state(state);
    s->set_source(v1::TaskStatus::SOURCE_MASTER);
    s->set_reason(v1::TaskStatus::REASON_RECONCILIATION);
    s->set_message(message);
    s->set_timestamp(clock::wallSeconds());
    if (!agentId.empty()) s->mutable_agent_id()->set_value(agentId);
    sendToFramework(framework, event);
  };
  auto sendKnown = [&](const v1::Task& task) {
    Event event;
    event.set_type(Event::UPDATE);
    auto* s = event.mutable_update()->mutable_status();
    if (task.statuses_size() > 0) *s = task.statuses(task.statuses_size() - 1);
    *s->mutable_task_id() = task.task_id();
    s->set_state(task.state());
    s->set_source(v1::TaskStatus::SOURCE_MASTER);
    s->set_reason(v1::TaskStatus::REASON_RECONCILIATION);
    s->set_message("Reconciliation: Latest task state");
    s->set_timestamp(clock::wallSeconds());
    s->clear_uuid();
    *s->mutable_agent_id() = task.agent_id();
    sendToFramework(framework, event);
  };

  if (reconcile.tasks_size() == 0) {
    for (auto& [id, entry] : framework.tasks) sendKnown(entry.task);
    for (auto& task : framework.unreachableTasks) sendKnown(task);
    return;
  }
  for (auto& item : reconcile.tasks()) {
    auto tit = framework.tasks.find(item.task_id().value());
    if (tit != framework.tasks.end()) {
      sendKnown(tit->second.task);
      continue;
    }
    auto unreachable = std::find_if(framework.unreachableTasks.begin(), framework.unreachableTasks.end(),
                                    [&](const v1::Task& t) { return t.task_id().value() == item.task_id().value(); });
    if (unreachable != framework.unreachableTasks.end()) {
      sendKnown(*unreachable);
      continue;
    }
    // Unknown task: the answer depends on what the master knows of its agent.
    std::string agentId = item.has_agent_id() ? item.agent_id().value() : "";
    if (!agentId.empty() && agents_.count(agentId)) {
      send(item.task_id(), lostState(framework, v1::TASK_GONE), agentId,
           "Reconciliation: Task is unknown to the agent");
    } else if (!agentId.empty() && goneAgents_.count(agentId)) {
      send(item.task_id(), lostState(framework, v1::TASK_GONE_BY_OPERATOR), agentId,
           "Reconciliation: Task is unknown; agent was marked gone");
    } else if (!agentId.empty() && recoveredAgents_.count(agentId)) {
      continue;  // its agent may still report it: no answer until it registers again or expires
    } else if (!agentId.empty() && unreachableAgents_.count(agentId)) {
      send(item.task_id(), lostState(framework, v1::TASK_UNREACHABLE), agentId,
           "Reconciliation: Task is unknown; agent is unreachable");
    } else {
      send(item.task_id(), lostState(framework, v1::TASK_UNKNOWN), agentId, "Reconciliation: Task is unknown");
    }
  }
}

}  // namespace tepui::master
