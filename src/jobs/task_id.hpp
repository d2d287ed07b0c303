// The task ids of job runs, in Chronos's form
//   ct:<dueEpochMillis>:<attempt>:<jobName>:<args>
// so that tools reading Chronos's ids keep working, and so that a status
// update (or, after a failover, the master's task list) tells the scheduler
// which job, which due time and which attempt a task is.
//
// <args> is the run's argument string (the `arguments` of
// `PUT /job/{name}?arguments=...`, "" for a plain run). A job name cannot
// contain ':', so everything after the fourth ':' is the arguments and ':'
// needs no escaping there. A Mesos task id cannot contain '/', '\\' or
// control characters, which arguments may: those bytes and '%' itself are
// written as %XX (upper-case hex), and every other byte as is, so the id of
// a run without such bytes is exactly Chronos's.
//
// formatTaskId refuses what would not be a valid task id (longer than 255
// bytes, an invalid job name, a negative due time or attempt); parseTaskId
// refuses what formatTaskId cannot have written, saying why. It accepts the
// id without the last ':' when the arguments are empty, as Chronos does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tepui::jobs {

struct TaskId {
  int64_t dueMillis = 0;  // the due time of the run, milliseconds since the epoch
  int64_t attempt = 0;    // 0 for the first try, n for the n-th retry
  std::string jobName;
  std::string args;
  bool operator==(const TaskId&) const = default;
};

Result<std::string> formatTaskId(const TaskId& id);
Result<TaskId> parseTaskId(std::string_view text);

}  // namespace tepui::jobs
