// The index over GET_STATE; see cluster_state.hpp.
#include "cli/cluster_state.hpp"

#include <algorithm>
#include <cctype>

#include "common/resources.hpp"

namespace tepui::cli {

namespace {

std::string upper(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

template <typename Range, typename Matches>
Result<std::set<std::string>> idsMatching(const Range& entries, Matches matches, const std::string& what,
                                          const std::string& wanted) {
  std::set<std::string> ids;
  for (auto& entry : entries) {
    if (auto id = matches(entry)) ids.insert(*id);
  }
  if (ids.empty()) return Error("no " + what + " '" + wanted + "'");
  return ids;
}

}  // namespace

Amounts& Amounts::operator+=(const Amounts& other) {
  cpus += other.cpus;
  mem += other.mem;
  disk += other.disk;
  return *this;
}

Amounts amounts(const google::protobuf::RepeatedPtrField<v1::Resource>& resources) {
  Resources all(resources);
  return {all.scalar("cpus"), all.scalar("mem"), all.scalar("disk")};
}

Result<v1::TaskState> parseTaskState(const std::string& text) {
  std::string name = upper(text);
  if (name.rfind("TASK_", 0) != 0) name = "TASK_" + name;
  v1::TaskState state;
  if (v1::TaskState_Parse(name, &state)) return state;
  std::string known;
  const auto* descriptor = v1::TaskState_descriptor();
  for (int i = 0; i < descriptor->value_count(); ++i) {
    known += (i ? ", " : "") + lower(descriptor->value(i)->name().substr(5));
  }
  return Error("unknown task state '" + text + "' (expected one of " + known + ")");
}

ClusterState::ClusterState(GetState state) : state_(std::make_unique<GetState>(std::move(state))) {
  const auto& lists = state_->get_tasks();
  for (auto& t : lists.tasks()) tasks_.push_back({&t, TaskEntry::List::LIVE});
  for (auto& t : lists.unreachable_tasks()) tasks_.push_back({&t, TaskEntry::List::UNREACHABLE});
  for (auto& t : lists.completed_tasks()) tasks_.push_back({&t, TaskEntry::List::COMPLETED});
}

const AgentEntry* ClusterState::agent(const std::string& id) const {
  for (auto& a : state_->get_agents().agents()) {
    if (a.agent_info().id().value() == id) return &a;
  }
  return nullptr;
}

const FrameworkEntry* ClusterState::framework(const std::string& id) const {
  const auto& lists = state_->get_frameworks();
  for (const auto* list : {&lists.frameworks(), &lists.completed_frameworks()}) {
    for (auto& f : *list) {
      if (f.framework_info().id().value() == id) return &f;
    }
  }
  return nullptr;
}

std::string ClusterState::hostname(const std::string& agentId) const {
  const auto* a = agent(agentId);
  return a ? a->agent_info().hostname() : std::string();
}

std::string ClusterState::frameworkName(const std::string& frameworkId) const {
  const auto* f = framework(frameworkId);
  return f ? f->framework_info().name() : std::string();
}

size_t ClusterState::liveTasksOnAgent(const std::string& agentId) const {
  const auto& live = state_->get_tasks().tasks();
  return static_cast<size_t>(
      std::count_if(live.begin(), live.end(), [&](const v1::Task& t) { return t.agent_id().value() == agentId; }));
}

size_t ClusterState::liveTasksOfFramework(const std::string& frameworkId) const {
  const auto& live = state_->get_tasks().tasks();
  return static_cast<size_t>(std::count_if(live.begin(), live.end(),
                                           [&](const v1::Task& t) { return t.framework_id().value() == frameworkId; }));
}

Result<std::set<std::string>> ClusterState::frameworksMatching(const std::string& idOrName) const {
  const auto& lists = state_->get_frameworks();
  std::vector<const FrameworkEntry*> all;
  for (auto& f : lists.frameworks()) all.push_back(&f);
  for (auto& f : lists.completed_frameworks()) all.push_back(&f);
  return idsMatching(
      all,
      [&](const FrameworkEntry* f) -> std::optional<std::string> {
        const auto& info = f->framework_info();
        if (info.id().value() == idOrName || info.name() == idOrName) return info.id().value();
        return std::nullopt;
      },
      "framework", idOrName);
}

Result<std::set<std::string>> ClusterState::agentsMatching(const std::string& idOrHostname) const {
  return idsMatching(
      state_->get_agents().agents(),
      [&](const AgentEntry& a) -> std::optional<std::string> {
        const auto& info = a.agent_info();
        if (info.id().value() == idOrHostname || info.hostname() == idOrHostname) return info.id().value();
        return std::nullopt;
      },
      "agent", idOrHostname);
}

Result<TaskEntry> ClusterState::findTask(const std::string& taskId, const std::string& framework,
                                         std::optional<TaskEntry::List> only) const {
  std::set<std::string> frameworks;
  if (!framework.empty()) {
    auto matching = frameworksMatching(framework);
    if (!matching) return matching.error();
    frameworks = *matching;
  }
  std::optional<TaskEntry> best;
  std::set<std::string> owners;
  for (auto& entry : tasks_) {
    const auto& t = *entry.task;
    if (t.task_id().value() != taskId || (only && entry.list != *only)) continue;
    if (!frameworks.empty() && !frameworks.count(t.framework_id().value())) continue;
    owners.insert(t.framework_id().value());
    // Lists come live, unreachable, completed: a later entry wins only within its list.
    if (!best || best->list == entry.list) best = entry;
  }
  if (!best) {
    return Error("no task '" + taskId + "'" + (framework.empty() ? "" : " in framework '" + framework + "'"));
  }
  if (owners.size() > 1) {
    std::string list;
    for (auto& id : owners) list += (list.empty() ? "" : ", ") + id;
    return Error("task id '" + taskId + "' is used by several frameworks (" + list + "): choose one with --framework");
  }
  return *best;
}

Result<std::vector<TaskEntry>> ClusterState::selectTasks(const TaskQuery& query) const {
  std::set<std::string> frameworks, agents;
  if (!query.framework.empty()) {
    auto matching = frameworksMatching(query.framework);
    if (!matching) return matching.error();
    frameworks = *matching;
  }
  if (!query.agent.empty()) {
    auto matching = agentsMatching(query.agent);
    if (!matching) return matching.error();
    agents = *matching;
  }
  std::vector<TaskEntry> selected;
  for (auto& entry : tasks_) {
    const auto& t = *entry.task;
    if (!query.all && entry.list != TaskEntry::List::LIVE) continue;
    if (!frameworks.empty() && !frameworks.count(t.framework_id().value())) continue;
    if (!agents.empty() && !agents.count(t.agent_id().value())) continue;
    if (query.state && t.state() != *query.state) continue;
    if (!query.name.empty() && t.name() != query.name) continue;
    selected.push_back(entry);
  }
  return selected;
}

std::string ClusterState::sandboxPath(const v1::Task& task) const {
  const std::string& taskId = task.task_id().value();
  std::string executor = task.has_executor_id() ? task.executor_id().value() : taskId;
  std::string path = "/slaves/" + task.agent_id().value() + "/frameworks/" + task.framework_id().value() +
                     "/executors/" + executor + "/runs/latest";
  if (executor == taskId) return path;
  for (auto& e : state_->get_executors().executors()) {
    const auto& info = e.executor_info();
    if (info.executor_id().value() == executor && info.framework_id().value() == task.framework_id().value() &&
        e.agent_id().value() == task.agent_id().value() && info.type() == v1::ExecutorInfo::DEFAULT) {
      return path + "/tasks/" + taskId;
    }
  }
  return path;
}

}  // namespace tepui::cli
