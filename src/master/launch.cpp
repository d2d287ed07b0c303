// ACCEPT: checks the offers, validates each task (LAUNCH) or task group
// (LAUNCH_GROUP, all or nothing) against what is left of them (after the
// RESERVE, UNRESERVE, CREATE and DESTROY before it: operations.cpp), sends
// RUN_TASK / RUN_TASK_GROUP to the agent for the valid ones and answers the
// invalid ones with TASK_ERROR (or TASK_DROPPED/TASK_LOST for bad offers),
// then gives back what was not used, behind a refuse filter.
#include "common/clock.hpp"
#include "common/logging.hpp"
#include "common/task_states.hpp"
#include "common/tasks.hpp"
#include "master/master_impl.hpp"
#include "master/validation.hpp"

namespace tepui::master {

namespace {

using Operation = v1::Offer::Operation;

// Fills in allocation_info where the framework left it out; a resource
// allocated to another role than the offers' is an error.
Result<Resources> allocated(const google::protobuf::RepeatedPtrField<v1::Resource>& resources,
                            const std::string& role) {
  std::vector<v1::Resource> out;
  out.reserve(resources.size());
  for (auto r : resources) {
    if (r.has_allocation_info() && r.allocation_info().has_role() && r.allocation_info().role() != role) {
      return Error("resource '" + r.name() + "' is allocated to role '" + r.allocation_info().role() +
                   "' but the offers are for role '" + role + "'");
    }
    r.mutable_allocation_info()->set_role(role);
    out.push_back(std::move(r));
  }
  return Resources(out);
}

}  // namespace

v1::TaskStatus MasterImpl::sendMasterUpdate(Framework& framework, const v1::TaskID& taskId, v1::TaskState state,
                                            v1::TaskStatus::Reason reason, const std::string& message,
                                            const std::string& agentId) {
  v1::scheduler::Event event;
  event.set_type(v1::scheduler::Event::UPDATE);
  *event.mutable_update()->mutable_status() = masterStatus(taskId, state, reason, message, agentId);
  if (isTerminal(state)) counters_.terminalTasks[state]++;
  sendToFramework(framework, event);
  return event.update().status();
}

v1::TaskStatus MasterImpl::masterStatus(const v1::TaskID& taskId, v1::TaskState state, v1::TaskStatus::Reason reason,
                                        const std::string& message, const std::string& agentId) {
  v1::TaskStatus status = sourcedStatus(taskId, state, v1::TaskStatus::SOURCE_MASTER, reason, message);
  if (!agentId.empty()) status.mutable_agent_id()->set_value(agentId);
  return status;
}

void MasterImpl::accept(Framework& framework, const v1::scheduler::Call::Accept& accept) {
  // 1. The offers: known, this framework's, each once, one agent, one role.
  std::optional<Error> invalid;
  std::set<std::string> seen;
  std::string agentId, role;
  for (auto& id : accept.offer_ids()) {
    auto it = offers_.find(id.value());
    if (!seen.insert(id.value()).second) {
      invalid = Error("Offer " + id.value() + " appears more than once in the call");
    } else if (it == offers_.end()) {
      invalid = Error("Offer " + id.value() + " is no longer valid");
    } else if (it->second.frameworkId != framework.id) {
      invalid = Error("Offer " + id.value() + " was not made to this framework");
    } else if (!agentId.empty() && it->second.agentId != agentId) {
      invalid = Error("Offers are for more than one agent");
    } else if (!role.empty() && it->second.role != role) {
      invalid = Error("Offers are for more than one role");
    } else {
      agentId = it->second.agentId;
      role = it->second.role;
    }
  }
  if (accept.offer_ids_size() == 0) invalid = Error("No offers given");

  if (invalid) {
    TLOG(WARNING) << "Framework " << framework.id << " accepted invalid offers: " << invalid->message;
    for (auto& id : accept.offer_ids()) {
      auto it = offers_.find(id.value());
      if (it != offers_.end() && it->second.frameworkId == framework.id) removeOffer(id.value(), false, std::nullopt);
    }
    v1::TaskState lost = lostState(framework, v1::TASK_DROPPED);
    for (auto& op : accept.operations()) {
      auto tasks = op.type() == Operation::LAUNCH ? op.launch().task_infos() : op.launch_group().task_group().tasks();
      for (auto& task : tasks) {
        sendMasterUpdate(framework, task.task_id(), lost, v1::TaskStatus::REASON_INVALID_OFFERS, invalid->message);
      }
    }
    return;
  }

  // 2. Take the offers: their resources are now this call's to use.
  Resources remaining;
  for (auto& id : accept.offer_ids()) {
    auto it = offers_.find(id.value());
    remaining += it->second.resources;
    if (it->second.expiry) it->second.expiry->cancel();
    framework.offers.erase(id.value());
    agents_.at(agentId).offers.erase(id.value());
    offers_.erase(it);
  }
  counters_.offersAccepted += accept.offer_ids_size();
  Agent& agent = agents_.at(agentId);

  // 3. The operations, in order, each against what the previous ones left.
  for (auto& op : accept.operations()) {
    if (op.type() == Operation::LAUNCH_GROUP) {
      launchGroup(framework, agent, op, role, remaining);
      continue;
    }
    if (op.type() != Operation::LAUNCH) {
      std::optional<Error> refused = acceptOperation(framework, agent, op, role, remaining);
      // Before any launch that follows, so the agent knows its volumes.
      if (!refused) checkpointResources(agent);
      sendOperationStatus(framework, op, agent, refused);
      continue;
    }
    for (auto& task : op.launch().task_infos()) {
      auto error = [&](const std::string& message) {
        TLOG(INFO) << "Task " << task.task_id().value() << " of framework " << framework.id
                   << " is invalid: " << message;
        sendMasterUpdate(framework, task.task_id(), v1::TASK_ERROR, v1::TaskStatus::REASON_TASK_INVALID, message,
                         agentId);
      };
      if (auto e = validation::task(task, agentId)) {
        error(e->message);
        continue;
      }
      if (framework.tasks.count(task.task_id().value())) {
        error("Task has duplicate ID: " + task.task_id().value());
        continue;
      }
      if (op.has_id()) {
        error("Operation feedback (an 'id') is not supported for LAUNCH");
        continue;
      }
      auto needed = allocated(task.resources(), role);
      if (!needed) {
        error(needed.error().message);
        continue;
      }
      Resources executorResources;
      if (task.has_executor()) {
        auto r = executorNeeds(framework, agentId, task.executor(), role);
        if (!r) {
          error(r.error().message);
          continue;
        }
        executorResources = std::move(*r);
      }
      if (!remaining.contains(*needed + executorResources)) {
        error("Task uses more resources " + (*needed + executorResources).toString() + " than available " +
              remaining.toString());
        continue;
      }
      remaining -= *needed + executorResources;
      v1::TaskInfo sent = task;
      if (task.has_executor()) {
        *sent.mutable_executor() = recordExecutor(framework, agentId, task.executor(), std::move(executorResources));
      }
      internal::AgentEvent event;
      event.set_type(internal::AgentEvent::RUN_TASK);
      *event.mutable_run_task()->mutable_framework_info() = framework.info;
      *event.mutable_run_task()->mutable_task() = recordTask(framework, agent, sent, role, std::move(*needed));
      sendToAgent(agent, event);
    }
  }

  // 4. What was not used counts as declined.
  if (!remaining.empty()) {
    allocator_->recoverResources(framework.id, agentId, remaining,
                                 refuseSeconds(accept.has_filters(), accept.filters()), now());
    requestAllocation();  // other frameworks may use it now, as after a DECLINE
  }
}

Result<Resources> MasterImpl::executorNeeds(const Framework& framework, const std::string& agentId,
                                            const v1::ExecutorInfo& executor, const std::string& role) const {
  // A running executor's resources are already held; a new one's are taken
  // from the offers along with its first task(s).
  if (framework.executors.count({agentId, executor.executor_id().value()})) return Resources();
  return allocated(executor.resources(), role);
}

v1::ExecutorInfo MasterImpl::recordExecutor(Framework& framework, const std::string& agentId, v1::ExecutorInfo executor,
                                            Resources resources) {
  auto [it, created] = framework.executors.try_emplace({agentId, executor.executor_id().value()});
  if (!created) return it->second.info;
  executor.mutable_framework_id()->set_value(framework.id);
  executor.clear_resources();
  resources.copyTo(executor.mutable_resources());
  it->second.info = executor;
  it->second.resources = std::move(resources);
  return executor;
}

void MasterImpl::removeExecutor(Framework& framework, const std::string& agentId, const std::string& executorId) {
  auto it = framework.executors.find({agentId, executorId});
  if (it == framework.executors.end()) return;
  if (!it->second.resources.empty()) {
    allocator_->recoverResources(framework.id, agentId, it->second.resources, std::nullopt, now());
    requestAllocation();
  }
  framework.executors.erase(it);
}

void MasterImpl::launchGroup(Framework& framework, Agent& agent, const Operation& op, const std::string& role,
                             Resources& remaining) {
  const auto& group = op.launch_group().task_group();
  v1::ExecutorInfo executor = op.launch_group().executor();
  auto fail = [&](v1::TaskStatus::Reason reason, const std::string& message) {
    TLOG(INFO) << "Task group of framework " << framework.id << " is invalid: " << message;
    for (auto& task : group.tasks()) {
      sendMasterUpdate(framework, task.task_id(), v1::TASK_ERROR, reason, message, agent.id);
    }
  };
  if (auto e = validation::taskGroup(executor, group, agent.id)) {
    return fail(v1::TaskStatus::REASON_TASK_GROUP_INVALID, e->message);
  }
  if (op.has_id()) {
    return fail(v1::TaskStatus::REASON_TASK_GROUP_INVALID,
                "Operation feedback (an 'id') is not supported for LAUNCH_GROUP");
  }
  Resources needed;
  std::vector<Resources> perTask;
  for (auto& task : group.tasks()) {
    if (framework.tasks.count(task.task_id().value())) {
      return fail(v1::TaskStatus::REASON_TASK_GROUP_INVALID, "Task has duplicate ID: " + task.task_id().value());
    }
    auto r = allocated(task.resources(), role);
    if (!r) return fail(v1::TaskStatus::REASON_TASK_GROUP_INVALID, r.error().message);
    needed += *r;
    perTask.push_back(std::move(*r));
  }
  auto executorResources = executorNeeds(framework, agent.id, executor, role);
  if (!executorResources) return fail(v1::TaskStatus::REASON_TASK_GROUP_INVALID, executorResources.error().message);
  needed += *executorResources;
  if (!remaining.contains(needed)) {
    return fail(v1::TaskStatus::REASON_TASK_GROUP_INVALID,
                "Task group uses more resources " + needed.toString() + " than available " + remaining.toString());
  }
  remaining -= needed;

  if (!executor.has_type())
    executor.set_type(executor.has_command() ? v1::ExecutorInfo::CUSTOM : v1::ExecutorInfo::DEFAULT);
  executor = recordExecutor(framework, agent.id, std::move(executor), std::move(*executorResources));
  internal::AgentEvent event;
  event.set_type(internal::AgentEvent::RUN_TASK_GROUP);
  auto* run = event.mutable_run_task_group();
  *run->mutable_framework_info() = framework.info;
  for (int i = 0; i < group.tasks_size(); ++i) {
    v1::TaskInfo task = group.tasks(i);
    *task.mutable_executor() = executor;  // recorded with its executor, as Mesos's state shows
    v1::TaskInfo sent = recordTask(framework, agent, task, role, std::move(perTask[static_cast<size_t>(i)]));
    sent.clear_executor();
    *run->mutable_task_group()->add_tasks() = std::move(sent);
  }
  *run->mutable_executor() = std::move(executor);
  sendToAgent(agent, event);
}

v1::TaskInfo MasterImpl::recordTask(Framework& framework, Agent& agent, const v1::TaskInfo& task,
                                    const std::string& role, Resources resources) {
  TaskEntry& entry = framework.tasks[task.task_id().value()];
  entry.role = role;
  v1::TaskInfo sent = task;
  for (auto& r : *sent.mutable_resources()) r.mutable_allocation_info()->set_role(role);
  entry.task = describeTask(sent, framework.id, agent.id, v1::TASK_STAGING);
  entry.encoded.reset();
  if (!entry.task.has_user()) entry.task.set_user(framework.info.user());
  entry.resources = std::move(resources);  // the task's own: its executor's are held on their own
  liveTasks_[v1::TASK_STAGING]++;
  agent.tasks.insert({framework.id, task.task_id().value()});
  counters_.tasksLaunched++;
  publishTaskAdded(entry.task);
  return sent;
}

}  // namespace tepui::master
