// `tepui kill TASK_ID [--framework F]`: asks the master to kill a live task
// with Tepui's KILL_TASK operator call; its framework then sees TASK_KILLED
// (or the state the task reaches first). The task is looked up first, so
// that an unknown id, a task that already ended and an id used by several
// frameworks are told apart with readable errors. Exit 0 once the master
// has accepted the kill.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/operator_command.hpp"
#include "common/json.hpp"
#include "common/task_states.hpp"

namespace tepui::cli {

int killMain(int argc, const char* const* argv) {
  OperatorCommand command("kill",
                          "Usage: tepui kill TASK_ID [--framework F] [--master HOST:PORT] [--json]\n\n"
                          "Kills a live task: its framework sees it end (TASK_KILLED).");
  std::string taskId, framework;
  if (int rc = command.parseTask(argc, argv, &taskId, &framework); rc >= 0) return rc;
  auto state = command.state();
  if (!state) return kExitFailed;
  auto live = state->findTask(taskId, framework, TaskEntry::List::LIVE);
  if (!live || isTerminalState(live->task->state())) {
    auto any = live ? live : state->findTask(taskId, framework);
    if (!any) return command.fail(any.error().message);
    return command.fail("task '" + taskId + "' has already ended (" + v1::TaskState_Name(any->task->state()) + ")");
  }
  v1::master::Call call;
  call.set_type(v1::master::Call::KILL_TASK);
  *call.mutable_kill_task()->mutable_task_id() = live->task->task_id();
  *call.mutable_kill_task()->mutable_framework_id() = live->task->framework_id();
  if (auto killed = command.client()->perform(call); !killed) return command.fail(killed.error().message);
  if (command.json()) {
    std::cout << json::toJson(call.kill_task()) << "\n";
  } else {
    std::cout << "Killing task '" << taskId << "' of framework " << live->task->framework_id().value() << "\n";
  }
  return kExitOk;
}

}  // namespace tepui::cli
