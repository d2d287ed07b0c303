// A launched TaskInfo as a v1::Task (see tasks.hpp).
#include "common/tasks.hpp"

namespace tepui {

v1::Task describeTask(const v1::TaskInfo& info, const std::string& frameworkId, const std::string& agentId,
                      v1::TaskState state) {
  v1::Task t;
  t.set_name(info.name());
  *t.mutable_task_id() = info.task_id();
  t.mutable_framework_id()->set_value(frameworkId);
  t.mutable_agent_id()->set_value(agentId);
  t.set_state(state);
  if (info.has_executor()) *t.mutable_executor_id() = info.executor().executor_id();
  *t.mutable_resources() = info.resources();
  *t.mutable_limits() = info.limits();
  if (info.has_labels()) *t.mutable_labels() = info.labels();
  if (info.has_discovery()) *t.mutable_discovery() = info.discovery();
  if (info.has_container()) *t.mutable_container() = info.container();
  if (info.has_health_check()) *t.mutable_health_check() = info.health_check();
  if (info.has_kill_policy()) *t.mutable_kill_policy() = info.kill_policy();
  if (info.has_command() && info.command().has_user()) t.set_user(info.command().user());
  return t;
}

}  // namespace tepui
