// Private to src/master: what /master/tasks lists, as pure functions of its
// query and of the tasks it is given (readonly_lists.cpp gathers them).
//
// The query, as Mesos reads it: ?limit= (default 100), ?offset= (default 0),
// ?order=asc|desc (default desc), ?framework_id=, ?task_id=. Unlike Mesos,
// which falls back to the default, a value that does not parse is refused:
// parseTasksQuery() returns an Error naming the parameter (a 400).
//
// The order is Mesos's: by the timestamp of the task's first status (Mesos
// keeps them all; Tepui the last 32, so for a task with more it is the
// oldest kept). A task without a status comes first in ascending order and
// last in descending. Ties go by framework id, then task id, so that pages
// taken one after another neither repeat nor skip a task; descending is
// exactly ascending reversed.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::master {

struct TasksQuery {
  size_t limit = 100;
  size_t offset = 0;
  bool ascending = false;
  std::optional<std::string> frameworkId;
  std::optional<std::string> taskId;

  // Whether a task of this framework and id is asked for.
  bool selects(const std::string& frameworkId, const std::string& taskId) const;
};

Result<TasksQuery> parseTasksQuery(const std::map<std::string, std::string>& query);

// A task to list and the role its resources are allocated to.
struct ListedTask {
  const v1::Task* task = nullptr;
  std::string role;
};

// The page `query` asks for: `tasks` sorted in its order, then `limit` of
// them from `offset` (none past the end).
std::vector<ListedTask> tasksPage(std::vector<ListedTask> tasks, const TasksQuery& query);

}  // namespace tepui::master
