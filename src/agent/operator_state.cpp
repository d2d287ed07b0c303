// What the agent's operator API tells of its frameworks, executors and
// tasks (GET_STATE, GET_FRAMEWORKS, GET_EXECUTORS, GET_TASKS), in Mesos's
// shapes, and the bounded history of what it is done with behind their
// `completed_*` lists. A task is queued until its executor has been handed
// it, launched until it is terminal, terminated while its terminal update
// waits for the master's acknowledgement, and completed after. Tepui's
// agent hands tasks to their executor at once, so `pending_tasks` (Mesos's
// tasks waiting for their executor to be created) is always empty.
#include "agent/agent_impl.hpp"
#include "common/task_states.hpp"
#include "common/tasks.hpp"

namespace tepui::agent {

namespace {

// Mesos's defaults for --max_completed_frameworks, and for the executors
// and tasks kept (there per framework and per executor; here overall).
constexpr size_t kMaxCompletedFrameworks = 50;
constexpr size_t kMaxCompletedExecutors = 150;
constexpr size_t kMaxCompletedTasks = 1000;

template <typename T>
void keep(std::deque<T>& list, T item, size_t max) {
  list.push_back(std::move(item));
  while (list.size() > max) list.pop_front();
}

}  // namespace

v1::Task AgentImpl::operatorTask(const Executor& executor, const TaskRecord& record) const {
  v1::Task task = describeTask(record.info, executor.frameworkId, agentId_, record.state);
  // A command task has no executor of its own to name (as in Mesos); a
  // task group's tasks name theirs.
  if (executor.kind != Executor::Kind::COMMAND) task.mutable_executor_id()->set_value(executor.id);
  return task;
}

void AgentImpl::taskCompleted(const Executor& executor, const TaskRecord& record) {
  keep(completed_.tasks, operatorTask(executor, record), kMaxCompletedTasks);
}

void AgentImpl::executorCompleted(const Executor& executor) {
  keep(completed_.executors, executor.info, kMaxCompletedExecutors);
}

void AgentImpl::frameworkCompleted(const FrameworkRecord& framework) {
  keep(completed_.frameworks, framework.info, kMaxCompletedFrameworks);
}

void AgentImpl::operatorState(v1::agent::Call::Type type, v1::agent::Response& response) const {
  using Call = v1::agent::Call;
  using Response = v1::agent::Response;
  bool all = type == Call::GET_STATE;
  auto* state = all ? response.mutable_get_state() : nullptr;
  if (all || type == Call::GET_TASKS) {
    operatorTasks(all ? state->mutable_get_tasks() : response.mutable_get_tasks());
  }
  if (all || type == Call::GET_EXECUTORS) {
    operatorExecutors(all ? state->mutable_get_executors() : response.mutable_get_executors());
  }
  if (all || type == Call::GET_FRAMEWORKS) {
    operatorFrameworks(all ? state->mutable_get_frameworks() : response.mutable_get_frameworks());
  }
  response.set_type(all                           ? Response::GET_STATE
                    : type == Call::GET_TASKS     ? Response::GET_TASKS
                    : type == Call::GET_EXECUTORS ? Response::GET_EXECUTORS
                                                  : Response::GET_FRAMEWORKS);
}

void AgentImpl::operatorFrameworks(v1::agent::Response::GetFrameworks* out) const {
  for (auto& [fid, f] : frameworks_) {
    auto* info = out->add_frameworks()->mutable_framework_info();
    *info = f.info;
    info->mutable_id()->set_value(fid);
  }
  for (auto& info : completed_.frameworks) *out->add_completed_frameworks()->mutable_framework_info() = info;
}

void AgentImpl::operatorExecutors(v1::agent::Response::GetExecutors* out) const {
  for (auto& [fid, f] : frameworks_) {
    for (auto& [eid, e] : f.executors) *out->add_executors()->mutable_executor_info() = e.info;
  }
  for (auto& info : completed_.executors) *out->add_completed_executors()->mutable_executor_info() = info;
}

void AgentImpl::operatorTasks(v1::agent::Response::GetTasks* out) const {
  for (auto& [fid, f] : frameworks_) {
    for (auto& [eid, e] : f.executors) {
      for (auto& [tid, t] : e.tasks) {
        auto* list = isTerminalState(t.state) ? out->mutable_terminated_tasks()
                     : t.launched             ? out->mutable_launched_tasks()
                                              : out->mutable_queued_tasks();
        *list->Add() = operatorTask(e, t);
      }
    }
  }
  for (auto& task : completed_.tasks) *out->add_completed_tasks() = task;
}

}  // namespace tepui::agent
