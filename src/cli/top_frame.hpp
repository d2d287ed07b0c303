// What `tepui top` shows, computed from one GET_STATE and kept apart from
// the terminal handling (top.cpp): the cluster's totals, and the busiest
// agents and tasks.
//
// Contract:
// - summarize(): agents (and how many are active), frameworks (and how many
//   are active), tasks by state over the live, unreachable and completed
//   lists, and cpus, mem and disk allocated / total over the agents.
// - busiestAgents(): agents by share of their cpus allocated, then of their
//   mem, highest first. busiestTasks(): live tasks by cpus, then mem.
//   Ties keep the master's order. At most `limit` of each.
// - renderFrame() is plain text (no escape codes); summaryJson() is the
//   summary as one JSON object (see docs/commands.md).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "cli/cluster_state.hpp"

namespace tepui::cli {

struct ClusterSummary {
  size_t agents = 0, activeAgents = 0;
  size_t frameworks = 0, activeFrameworks = 0;
  std::vector<std::pair<v1::TaskState, size_t>> tasksByState;  // in TaskState's declared order, none with 0
  Amounts used, total;
};

ClusterSummary summarize(const ClusterState& state);
std::vector<const AgentEntry*> busiestAgents(const ClusterState& state, size_t limit);
std::vector<TaskEntry> busiestTasks(const ClusterState& state, size_t limit);

// `title` heads the frame (the master, the time); `rows` bounds each list.
std::string renderFrame(const ClusterState& state, const std::string& title, size_t rows);
std::string summaryJson(const ClusterSummary& summary);

}  // namespace tepui::cli
