// The v1::Task that describes a launched TaskInfo, as the master and the
// agent show it in their operator APIs (Mesos's protobuf::createTask).
#pragma once

#include <string>

#include "tepui/v1/mesos.pb.h"

namespace tepui {

// Name, ids, state, resources and limits, and the TaskInfo's executor id,
// labels, discovery, container, health check, kill policy and command user
// when it has them. No statuses.
v1::Task describeTask(const v1::TaskInfo& info, const std::string& frameworkId, const std::string& agentId,
                      v1::TaskState state);

}  // namespace tepui
