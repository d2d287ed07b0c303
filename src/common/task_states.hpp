// Facts about task states shared by the master, the agent and executors.
#pragma once

#include <string>

#include "common/clock.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui {

// Terminal states: the task will not run again. TASK_LOST counts as
// terminal although an agent that comes back may revive the task.
inline bool isTerminalState(v1::TaskState s) {
  switch (s) {
    case v1::TASK_FINISHED:
    case v1::TASK_FAILED:
    case v1::TASK_KILLED:
    case v1::TASK_ERROR:
    case v1::TASK_LOST:
    case v1::TASK_DROPPED:
    case v1::TASK_GONE:
    case v1::TASK_GONE_BY_OPERATOR: return true;
    default: return false;
  }
}

// A status update made now by `source` (the master or the agent) rather
// than an executor: the task, its state, why, and a message.
inline v1::TaskStatus sourcedStatus(const v1::TaskID& taskId, v1::TaskState state, v1::TaskStatus::Source source,
                                    v1::TaskStatus::Reason reason, const std::string& message) {
  v1::TaskStatus status;
  *status.mutable_task_id() = taskId;
  status.set_state(state);
  status.set_source(source);
  status.set_reason(reason);
  status.set_message(message);
  status.set_timestamp(clock::wallSeconds());
  return status;
}

}  // namespace tepui
