// How the operator commands show the cluster to people: tables of agents
// (`tepui agents`, `tepui top`) and of tasks (`tepui tasks`, `tepui top`),
// and one task's details (`tepui task`).
#pragma once

#include <string>
#include <vector>

#include "cli/cluster_state.hpp"
#include "cli/table.hpp"

namespace tepui::cli {

// Columns: id, hostname, state (active; deactivated by an operator;
// disconnected; recovered: known from the registry after a failover but not
// re-registered yet), cpus, mem and disk used / total, live tasks. With
// `recovered`, the recovered agents follow the `agents` given.
Table agentTable(const ClusterState& state, const std::vector<const AgentEntry*>& agents, bool recovered);

// Columns: id, name, state, framework name, agent hostname, cpus, mem.
Table taskTable(const ClusterState& state, const std::vector<TaskEntry>& tasks);

// The task's fields (framework, agent and hostname, state, resources,
// executor, sandbox, and container, health, user and labels when set), its
// status history oldest first (time, state, source, reason, message), and,
// for a task that ended other than TASK_FINISHED or is unreachable, why:
// the reason and message of its last status.
std::string describeTask(const ClusterState& state, const TaskEntry& entry);

}  // namespace tepui::cli
