// Facts about task states shared by the master, the agent and executors.
#pragma once

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

}  // namespace tepui
