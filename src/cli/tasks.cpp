// `tepui tasks` (a table of tasks, filtered) and `tepui task TASK_ID` (one
// task's details and status history), from one GET_STATE. --json prints
// GET_TASKS's shape (the tasks selected, in their lists) and the Task.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/operator_command.hpp"
#include "cli/table.hpp"
#include "cli/views.hpp"
#include "common/json.hpp"

namespace tepui::cli {

namespace {

v1::master::Response::GetTasks asGetTasks(const std::vector<TaskEntry>& tasks) {
  v1::master::Response::GetTasks out;
  for (auto& entry : tasks) {
    switch (entry.list) {
      case TaskEntry::List::LIVE: *out.add_tasks() = *entry.task; break;
      case TaskEntry::List::UNREACHABLE: *out.add_unreachable_tasks() = *entry.task; break;
      case TaskEntry::List::COMPLETED: *out.add_completed_tasks() = *entry.task; break;
    }
  }
  return out;
}

}  // namespace

int tasksMain(int argc, const char* const* argv) {
  OperatorCommand command(
      "tasks",
      "Usage: tepui tasks [--all] [--framework F] [--state S] [--agent A] [--name N] [--master HOST:PORT] [--json]\n\n"
      "Lists the live tasks (with --all, also the unreachable and completed ones that the master keeps):\n"
      "id, name, state, framework, host, cpus and mem. Every filter given must match.");
  TaskQuery query;
  std::string stateName;
  command.flags().add("all", &query.all, "Also list unreachable and completed tasks");
  command.flags().add("framework", &query.framework, "Only the tasks of this framework (its id or name)");
  command.flags().add("state", &stateName, "Only the tasks in this state: TASK_RUNNING, or running, finished, ...");
  command.flags().add("agent", &query.agent, "Only the tasks on this agent (its id or hostname)");
  command.flags().add("name", &query.name, "Only the tasks with this name");
  if (int rc = command.parse(argc, argv); rc >= 0) return rc;
  if (!stateName.empty()) {
    auto parsed = parseTaskState(stateName);
    if (!parsed) return command.fail(parsed.error().message, kExitUsage);
    query.state = *parsed;
  }
  auto state = command.state();
  if (!state) return kExitFailed;
  auto tasks = state->selectTasks(query);
  if (!tasks) return command.fail(tasks.error().message);
  if (command.json()) {
    std::cout << json::toJson(asGetTasks(*tasks)) << "\n";
  } else {
    std::cout << taskTable(*state, *tasks).render();
  }
  return kExitOk;
}

int taskMain(int argc, const char* const* argv) {
  OperatorCommand command("task",
                          "Usage: tepui task TASK_ID [--framework F] [--master HOST:PORT] [--json]\n\n"
                          "Shows a task (live, unreachable or completed): its framework, agent, state, resources,\n"
                          "executor, sandbox, container and health, its status history, and why it ended.");
  std::string taskId, framework;
  if (int rc = command.parseTask(argc, argv, &taskId, &framework); rc >= 0) return rc;
  auto state = command.state();
  if (!state) return kExitFailed;
  auto found = state->findTask(taskId, framework);
  if (!found) return command.fail(found.error().message);
  if (command.json()) {
    std::cout << json::toJson(*found->task) << "\n";
  } else {
    std::cout << describeTask(*state, *found);
  }
  return kExitOk;
}

}  // namespace tepui::cli
