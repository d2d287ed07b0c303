// Pure validation of what frameworks send: each function returns the reason
// a value is invalid, or nothing. The caller adds context and decides the
// consequence (400 for a call, TASK_ERROR for a task), as Mesos does.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "common/result.hpp"
#include "tepui/v1/scheduler.pb.h"

namespace tepui::master::validation {

// Role names: non-empty, not "." or "..", not starting with '-', no
// whitespace, backspace or control characters; '/' separates the levels of a
// hierarchical role and no level may be empty, "." or "..". "*" is valid.
std::optional<Error> role(const std::string& role);

// Structure of a scheduler call: the sub-message its type needs is present,
// framework_id is present for everything but SUBSCRIBE, and a SUBSCRIBE's
// framework_id (if any) matches framework_info.id. UNKNOWN is not handled
// here (the endpoint answers 501).
std::optional<Error> schedulerCall(const v1::scheduler::Call& call);

// FrameworkInfo on SUBSCRIBE: roles valid and consistent with MULTI_ROLE,
// failover_timeout finite and non-negative, id well formed.
std::optional<Error> frameworkInfo(const v1::FrameworkInfo& info);

// A task on its own (context-free checks): ids, exactly one of command and
// executor, resources well formed and non-empty, kill policy and health
// check timings sane, agent_id equal to the offers' agent.
std::optional<Error> task(const v1::TaskInfo& task, const std::string& agentId);

// A LAUNCH_GROUP on its own: the group is non-empty; each task passes
// task() except that it has a command and no executor of its own; the
// executor is DEFAULT (no command: the agent runs Tepui's default executor)
// or CUSTOM (with a command, receiving LAUNCH_GROUP itself), with a valid id
// and resources; task ids are unique within the group.
std::optional<Error> taskGroup(const v1::ExecutorInfo& executor, const v1::TaskGroupInfo& group,
                               const std::string& agentId);

// The roles a framework may be offered resources for.
std::set<std::string> frameworkRoles(const v1::FrameworkInfo& info);

}  // namespace tepui::master::validation
