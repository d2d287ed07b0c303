// The query and the order of /master/tasks (see tasks_query.hpp).
#include "master/tasks_query.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>

namespace tepui::master {

namespace {

// A non-negative decimal integer parameter: `absent` when it is not given.
Result<size_t> count(const std::map<std::string, std::string>& query, const std::string& name, size_t absent) {
  auto it = query.find(name);
  if (it == query.end()) return absent;
  const std::string& text = it->second;
  size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Error("Invalid '" + name + "': '" + text + "' is not a non-negative integer");
  }
  return value;
}

std::optional<std::string> optional(const std::map<std::string, std::string>& query, const std::string& name) {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

// Ascending order: tasks without a status first, then by the first status's
// timestamp, then by framework id and task id.
bool before(const ListedTask& a, const ListedTask& b) {
  auto key = [](const ListedTask& t) {
    bool hasStatus = t.task->statuses_size() > 0;
    return std::tuple<bool, double, const std::string&, const std::string&>(
        hasStatus, hasStatus ? t.task->statuses(0).timestamp() : 0.0, t.task->framework_id().value(),
        t.task->task_id().value());
  };
  return key(a) < key(b);
}

}  // namespace

bool TasksQuery::selects(const std::string& framework, const std::string& task) const {
  return (!frameworkId || *frameworkId == framework) && (!taskId || *taskId == task);
}

Result<TasksQuery> parseTasksQuery(const std::map<std::string, std::string>& query) {
  TasksQuery q;
  auto limit = count(query, "limit", q.limit);
  if (!limit) return limit.error();
  auto offset = count(query, "offset", q.offset);
  if (!offset) return offset.error();
  q.limit = *limit;
  q.offset = *offset;
  if (auto order = optional(query, "order")) {
    if (*order != "asc" && *order != "desc") {
      return Error("Invalid 'order': '" + *order + "' (expecting 'asc' or 'desc')");
    }
    q.ascending = *order == "asc";
  }
  q.frameworkId = optional(query, "framework_id");
  q.taskId = optional(query, "task_id");
  return q;
}

std::vector<ListedTask> tasksPage(std::vector<ListedTask> tasks, const TasksQuery& query) {
  if (query.ascending) {
    std::sort(tasks.begin(), tasks.end(), before);
  } else {
    std::sort(tasks.begin(), tasks.end(), [](const ListedTask& a, const ListedTask& b) { return before(b, a); });
  }
  size_t begin = std::min(query.offset, tasks.size());
  size_t end = begin + std::min(query.limit, tasks.size() - begin);
  return {std::make_move_iterator(tasks.begin() + static_cast<std::ptrdiff_t>(begin)),
          std::make_move_iterator(tasks.begin() + static_cast<std::ptrdiff_t>(end))};
}

}  // namespace tepui::master
