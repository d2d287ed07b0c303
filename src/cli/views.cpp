// Tables of agents and tasks, and a task's details; see views.hpp.
#include "cli/views.hpp"

#include <cctype>

#include "common/resources.hpp"
#include "common/task_states.hpp"

namespace tepui::cli {

namespace {

using Align = Table::Align;

// "SOURCE_EXECUTOR" -> "executor".
std::string sourceName(v1::TaskStatus::Source source) {
  std::string name = v1::TaskStatus::Source_Name(source).substr(7);
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string withName(const std::string& id, const std::string& name) {
  return name.empty() ? id : id + " (" + name + ")";
}

std::string listName(TaskEntry::List list) {
  switch (list) {
    case TaskEntry::List::LIVE: return "live";
    case TaskEntry::List::UNREACHABLE: return "unreachable";
    case TaskEntry::List::COMPLETED: return "completed";
  }
  return "";
}

std::string container(const v1::ContainerInfo& info) {
  std::string text = v1::ContainerInfo::Type_Name(info.type());
  if (info.has_docker()) text += ", image " + info.docker().image();
  if (info.has_mesos() && info.mesos().has_image() && info.mesos().image().has_docker()) {
    text += ", image " + info.mesos().image().docker().name();
  }
  return text;
}

// The check's kind, and what the task's latest status says of its health.
std::string health(const v1::Task& task) {
  std::string text = "unknown";
  for (auto& s : task.statuses()) {
    if (s.has_healthy()) text = s.healthy() ? "healthy" : "unhealthy";
  }
  return text + " (" + v1::HealthCheck::Type_Name(task.health_check().type()) + " check)";
}

std::string labels(const v1::Labels& labels) {
  std::string text;
  for (auto& l : labels.labels()) text += (text.empty() ? "" : ", ") + l.key() + "=" + l.value();
  return text;
}

Table historyTable(const v1::Task& task) {
  Table table({{"TIME"}, {"STATE"}, {"SOURCE"}, {"REASON"}, {"MESSAGE"}});
  for (auto& s : task.statuses()) {
    table.add({s.has_timestamp() ? formatTime(s.timestamp()) : "-", v1::TaskState_Name(s.state()),
               s.has_source() ? sourceName(s.source()) : "",
               s.has_reason() ? v1::TaskStatus::Reason_Name(s.reason()) : "", s.message()});
  }
  return table;
}

// Why the task is not running, from its last status: "" for one that runs
// or finished well.
std::string whyEnded(const v1::Task& task, TaskEntry::List list) {
  bool ended = isTerminalState(task.state()) || list != TaskEntry::List::LIVE;
  if (!ended || task.state() == v1::TASK_FINISHED) return "";
  std::string why = v1::TaskState_Name(task.state());
  if (task.statuses_size() > 0) {
    const auto& last = task.statuses(task.statuses_size() - 1);
    if (last.has_reason()) why += ", " + v1::TaskStatus::Reason_Name(last.reason());
    if (!last.message().empty()) why += ": " + last.message();
  }
  return why;
}

std::string agentState(const AgentEntry& agent) {
  if (agent.deactivated()) return "deactivated";
  return agent.active() ? "active" : "disconnected";
}

void addAgentRow(Table& table, const std::string& id, const std::string& hostname, const std::string& state,
                 const Amounts& used, const Amounts& total, size_t tasks) {
  table.add({id, hostname, state, usedOfTotal(used.cpus, total.cpus, formatAmount),
             usedOfTotal(used.mem, total.mem, formatMegabytes), usedOfTotal(used.disk, total.disk, formatMegabytes),
             std::to_string(tasks)});
}

}  // namespace

Table agentTable(const ClusterState& state, const std::vector<const AgentEntry*>& agents, bool recovered) {
  Table table({{"ID"},
               {"HOSTNAME"},
               {"STATE"},
               {"CPUS", Align::RIGHT},
               {"MEM", Align::RIGHT},
               {"DISK", Align::RIGHT},
               {"TASKS", Align::RIGHT}});
  for (const auto* agent : agents) {
    const auto& id = agent->agent_info().id().value();
    addAgentRow(table, id, agent->agent_info().hostname(), agentState(*agent), amounts(agent->allocated_resources()),
                amounts(agent->total_resources()), state.liveTasksOnAgent(id));
  }
  if (recovered) {
    for (auto& info : state.raw().get_agents().recovered_agents()) {
      addAgentRow(table, info.id().value(), info.hostname(), "recovered", {}, amounts(info.resources()),
                  state.liveTasksOnAgent(info.id().value()));
    }
  }
  return table;
}

Table taskTable(const ClusterState& state, const std::vector<TaskEntry>& tasks) {
  Table table({{"ID"}, {"NAME"}, {"STATE"}, {"FRAMEWORK"}, {"HOST"}, {"CPUS", Align::RIGHT}, {"MEM", Align::RIGHT}});
  for (auto& entry : tasks) {
    const auto& t = *entry.task;
    auto used = amounts(t.resources());
    table.add({t.task_id().value(), t.name(), v1::TaskState_Name(t.state()),
               state.frameworkName(t.framework_id().value()), state.hostname(t.agent_id().value()),
               formatAmount(used.cpus), formatMegabytes(used.mem)});
  }
  return table;
}

std::string describeTask(const ClusterState& state, const TaskEntry& entry) {
  const auto& t = *entry.task;
  const std::string& frameworkId = t.framework_id().value();
  const std::string& agentId = t.agent_id().value();
  std::vector<std::pair<std::string, std::string>> fields = {
      {"Task", t.task_id().value()},
      {"Name", t.name()},
      {"State", v1::TaskState_Name(t.state()) + " (" + listName(entry.list) + ")"},
      {"Framework", withName(frameworkId, state.frameworkName(frameworkId))},
      {"Agent", withName(agentId, state.hostname(agentId))},
      {"Resources", Resources(t.resources()).toString()},
      {"Executor", t.has_executor_id() ? t.executor_id().value() : "command executor"},
      {"Sandbox", state.sandboxPath(t)},
  };
  if (t.has_user()) fields.emplace_back("User", t.user());
  if (t.has_container()) fields.emplace_back("Container", container(t.container()));
  if (t.has_health_check()) fields.emplace_back("Health", health(t));
  if (t.has_labels() && t.labels().labels_size() > 0) fields.emplace_back("Labels", labels(t.labels()));
  std::string why = whyEnded(t, entry.list);
  if (!why.empty()) fields.emplace_back("Why", why);
  std::string out = renderFields(fields);
  out += "\nStatus history:\n";
  out += t.statuses_size() > 0 ? historyTable(t).render() : "(none yet)\n";
  return out;
}

}  // namespace tepui::cli
