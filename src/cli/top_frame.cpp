// The content of `tepui top`; see top_frame.hpp.
#include "cli/top_frame.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "cli/views.hpp"
#include "common/json.hpp"

namespace tepui::cli {

namespace {

double share(double used, double total) { return total > 0 ? used / total : 0; }

std::string percentOf(double used, double total, std::string (*format)(double)) {
  std::string text = usedOfTotal(used, total, format);
  if (total > 0) text += " (" + std::to_string(std::lround(100 * used / total)) + "%)";
  return text;
}

boost::json::object usedAndTotal(double used, double total) { return {{"used", used}, {"total", total}}; }

}  // namespace

ClusterSummary summarize(const ClusterState& state) {
  ClusterSummary summary;
  for (auto& agent : state.raw().get_agents().agents()) {
    ++summary.agents;
    if (agent.active() && !agent.deactivated()) ++summary.activeAgents;
    summary.used += amounts(agent.allocated_resources());
    summary.total += amounts(agent.total_resources());
  }
  for (auto& framework : state.raw().get_frameworks().frameworks()) {
    ++summary.frameworks;
    if (framework.active() && framework.connected()) ++summary.activeFrameworks;
  }
  std::map<int, size_t> counts;
  for (auto& entry : state.tasks()) ++counts[entry.task->state()];
  const auto* states = v1::TaskState_descriptor();
  for (int i = 0; i < states->value_count(); ++i) {
    auto s = static_cast<v1::TaskState>(states->value(i)->number());
    if (auto it = counts.find(s); it != counts.end()) summary.tasksByState.emplace_back(s, it->second);
  }
  return summary;
}

std::vector<const AgentEntry*> busiestAgents(const ClusterState& state, size_t limit) {
  std::vector<std::pair<std::pair<double, double>, const AgentEntry*>> ranked;
  for (auto& agent : state.raw().get_agents().agents()) {
    auto used = amounts(agent.allocated_resources());
    auto total = amounts(agent.total_resources());
    ranked.push_back({{share(used.cpus, total.cpus), share(used.mem, total.mem)}, &agent});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return a.first > b.first; });
  std::vector<const AgentEntry*> out;
  for (size_t i = 0; i < ranked.size() && i < limit; ++i) out.push_back(ranked[i].second);
  return out;
}

std::vector<TaskEntry> busiestTasks(const ClusterState& state, size_t limit) {
  std::vector<std::pair<std::pair<double, double>, TaskEntry>> ranked;
  for (auto& entry : state.tasks()) {
    if (entry.list != TaskEntry::List::LIVE) continue;
    auto used = amounts(entry.task->resources());
    ranked.push_back({{used.cpus, used.mem}, entry});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return a.first > b.first; });
  std::vector<TaskEntry> out;
  for (size_t i = 0; i < ranked.size() && i < limit; ++i) out.push_back(ranked[i].second);
  return out;
}

std::string renderFrame(const ClusterState& state, const std::string& title, size_t rows) {
  auto summary = summarize(state);
  std::string tasks;
  for (auto& [s, n] : summary.tasksByState)
    tasks += (tasks.empty() ? "" : ", ") + std::to_string(n) + " " + v1::TaskState_Name(s);
  std::string out = title + "\n\n";
  out += renderFields({
      {"Agents", std::to_string(summary.agents) + " (" + std::to_string(summary.activeAgents) + " active)"},
      {"Frameworks", std::to_string(summary.frameworks) + " (" + std::to_string(summary.activeFrameworks) + " active)"},
      {"Tasks", tasks.empty() ? "none" : tasks},
      {"CPUs", percentOf(summary.used.cpus, summary.total.cpus, formatAmount)},
      {"Mem", percentOf(summary.used.mem, summary.total.mem, formatMegabytes)},
      {"Disk", percentOf(summary.used.disk, summary.total.disk, formatMegabytes)},
  });
  out += "\nBusiest agents\n" + agentTable(state, busiestAgents(state, rows), false).render();
  auto tasksShown = busiestTasks(state, rows);
  out += "\nBusiest tasks\n";
  out += tasksShown.empty() ? "(no live task)\n" : taskTable(state, tasksShown).render();
  return out;
}

std::string summaryJson(const ClusterSummary& summary) {
  boost::json::object tasks;
  for (auto& [s, n] : summary.tasksByState) tasks[v1::TaskState_Name(s)] = n;
  boost::json::object o{{"agents", summary.agents},
                        {"active_agents", summary.activeAgents},
                        {"frameworks", summary.frameworks},
                        {"active_frameworks", summary.activeFrameworks},
                        {"tasks", std::move(tasks)},
                        {"cpus", usedAndTotal(summary.used.cpus, summary.total.cpus)},
                        {"mem", usedAndTotal(summary.used.mem, summary.total.mem)},
                        {"disk", usedAndTotal(summary.used.disk, summary.total.disk)}};
  return json::serialize(boost::json::value(std::move(o)));
}

}  // namespace tepui::cli
