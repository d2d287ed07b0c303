// /master/frameworks, /master/slaves and /master/tasks: parts of
// /master/state, selected by the query, with /master/state's entries
// (state_entries.cpp, legacy_json.cpp) so that the three never differ from
// it. The routes (leader only, JSONP, 400 for a refused query) are
// master.cpp's.
#include <boost/json.hpp>

#include "common/json.hpp"
#include "master/legacy_json.hpp"
#include "master/master_impl.hpp"
#include "master/tasks_query.hpp"

namespace tepui::master {

namespace bj = boost::json;

namespace {

// The value of `name` in the query, if given.
const std::string* param(const std::map<std::string, std::string>& query, const std::string& name) {
  auto it = query.find(name);
  return it == query.end() ? nullptr : &it->second;
}

// Whether an entry of this id is asked for: all of them without the
// parameter, the one it names with it.
bool selected(const std::string* wanted, const std::string& id) { return !wanted || *wanted == id; }

}  // namespace

std::string MasterImpl::frameworksJson(const Query& query) const {
  const std::string* wanted = param(query, "framework_id");
  bj::array frameworks, completed;
  for (auto& [id, f] : frameworks_) {
    if (selected(wanted, id)) frameworks.push_back(frameworkEntry(f));
  }
  for (auto& f : completedFrameworks_) {
    if (selected(wanted, f.id)) completed.push_back(completedFrameworkEntry(f));
  }
  return json::serialize(bj::object{{"frameworks", std::move(frameworks)},
                                    {"completed_frameworks", std::move(completed)},
                                    {"unregistered_frameworks", bj::array()}});
}

std::string MasterImpl::slavesJson(const Query& query) const {
  const std::string* wanted = param(query, "slave_id");
  bj::array slaves, recovered;
  for (auto& [id, a] : agents_) {
    if (selected(wanted, id)) slaves.push_back(agentEntry(a));
  }
  for (auto& [id, info] : recoveredAgents_) {
    if (selected(wanted, id)) recovered.push_back(recoveredAgentEntry(id, info));
  }
  return json::serialize(bj::object{{"slaves", std::move(slaves)}, {"recovered_slaves", std::move(recovered)}});
}

Result<std::string> MasterImpl::tasksJson(const Query& query) const {
  auto parsed = parseTasksQuery(query);
  if (!parsed) return parsed.error();
  const TasksQuery& q = *parsed;
  // Active, unreachable and completed tasks, of the frameworks that are
  // here and of those removed, as Mesos lists them.
  std::vector<ListedTask> tasks;
  auto add = [&](const std::string& frameworkId, const v1::Task& task, const std::string* role) {
    if (q.selects(frameworkId, task.task_id().value())) tasks.push_back({&task, role ? *role : legacy::roleOf(task)});
  };
  for (auto& [id, f] : frameworks_) {
    for (auto& [tid, entry] : f.tasks) add(id, entry.task, &entry.role);
    for (auto& t : f.unreachableTasks) add(id, t, nullptr);
    for (auto& t : f.completedTasks) add(id, t, nullptr);
  }
  for (auto& f : completedFrameworks_) {
    for (auto& t : f.tasks) add(f.id, t, nullptr);
  }
  bj::array page;
  for (auto& listed : tasksPage(std::move(tasks), q)) page.push_back(legacy::taskEntry(*listed.task, listed.role));
  return json::serialize(bj::object{{"tasks", std::move(page)}});
}

}  // namespace tepui::master
