// The master's metrics with Mesos's key names for everything it has: a flat
// name -> number map, served as /metrics/snapshot and GET_METRICS.
#include <boost/json.hpp>
#include <cmath>

#include "common/clock.hpp"
#include "common/json.hpp"
#include "master/master_impl.hpp"

namespace tepui::master {

namespace bj = boost::json;

std::map<std::string, double> MasterImpl::metrics() const {
  std::map<std::string, double> m;
  m["master/elected"] = leading_ ? 1 : 0;
  m["master/uptime_secs"] = clock::wallSeconds() - startTime_;

  int active = 0, inactive = 0, connected = 0, disconnected = 0;
  for (auto& [id, a] : agents_) {
    (a.active() ? active : inactive)++;
    (a.connected ? connected : disconnected)++;
  }
  std::map<int, int> taskStates;
  int frameworksActive = 0, frameworksConnected = 0;
  for (auto& [id, f] : frameworks_) {
    frameworksActive += f.active;
    frameworksConnected += f.connected;
    for (auto& [tid, entry] : f.tasks) taskStates[entry.task.state()]++;
    taskStates[v1::TASK_UNREACHABLE] += static_cast<int>(f.unreachableTasks.size());
  }
  // Totals and what is used (by tasks and executors, or offered), as the
  // allocator keeps them as they change: summing every task's resources
  // here cost a poll tens of milliseconds of the loop at 100,000 tasks.
  auto a = allocator_->metrics();
  auto quantity = [](const std::map<std::string, double>& q, const char* name) {
    auto it = q.find(name);
    return it == q.end() ? 0.0 : it->second;
  };
  for (const char* r : {"cpus", "mem", "disk", "gpus"}) {
    double t = quantity(a.total, r), u = quantity(a.allocated, r);
    m[std::string("master/") + r + "_total"] = t;
    m[std::string("master/") + r + "_used"] = u;
    m[std::string("master/") + r + "_percent"] = t > 0 ? u / t : 0.0;
    m[std::string("master/") + r + "_revocable_total"] = 0;
    m[std::string("master/") + r + "_revocable_used"] = 0;
    m[std::string("master/") + r + "_revocable_percent"] = 0;
  }
  m["master/slaves_active"] = active;
  m["master/slaves_inactive"] = inactive;
  m["master/slaves_connected"] = connected;
  m["master/slaves_disconnected"] = disconnected;
  m["master/slaves_unreachable"] = static_cast<double>(unreachableAgents_.size());
  m["master/slave_registrations"] = counters_.agentRegistrations;
  m["master/slave_reregistrations"] = counters_.agentReregistrations;
  // Tepui's own: registrations dropped because the agent had closed the
  // connection before they were served (it registers again on a new one).
  m["master/slave_registrations_abandoned"] = counters_.abandonedRegistrations;
  m["master/slave_removals"] = counters_.agentRemovals;
  m["master/frameworks_active"] = frameworksActive;
  m["master/frameworks_inactive"] = static_cast<double>(frameworks_.size()) - frameworksActive;
  m["master/frameworks_connected"] = frameworksConnected;
  m["master/frameworks_disconnected"] = static_cast<double>(frameworks_.size()) - frameworksConnected;
  m["master/outstanding_offers"] = static_cast<double>(offers_.size());
  m["master/dropped_messages"] = counters_.droppedMessages;
  m["master/valid_status_updates"] = counters_.validStatusUpdates;
  m["master/invalid_status_updates"] = counters_.invalidStatusUpdates;
  m["master/valid_framework_to_executor_messages"] = counters_.validFrameworkToExecutorMessages;
  m["master/valid_executor_to_framework_messages"] = counters_.validExecutorToFrameworkMessages;
  m["master/messages_launch_tasks"] = counters_.tasksLaunched;
  m["master/messages_decline_offers"] = counters_.offersDeclined;

  // Live tasks by state, plus terminal ones counted as they happened.
  struct Name {
    v1::TaskState state;
    const char* key;
  };
  static const Name kLive[] = {{v1::TASK_STAGING, "staging"},
                               {v1::TASK_STARTING, "starting"},
                               {v1::TASK_RUNNING, "running"},
                               {v1::TASK_KILLING, "killing"},
                               {v1::TASK_UNREACHABLE, "unreachable"}};
  static const Name kTerminal[] = {{v1::TASK_FINISHED, "finished"}, {v1::TASK_FAILED, "failed"},
                                   {v1::TASK_KILLED, "killed"},     {v1::TASK_LOST, "lost"},
                                   {v1::TASK_ERROR, "error"},       {v1::TASK_DROPPED, "dropped"},
                                   {v1::TASK_GONE, "gone"},         {v1::TASK_GONE_BY_OPERATOR, "gone_by_operator"}};
  for (auto& n : kLive) m[std::string("master/tasks_") + n.key] = taskStates[n.state];
  for (auto& n : kTerminal) {
    auto it = counters_.terminalTasks.find(n.state);
    m[std::string("master/tasks_") + n.key] = it == counters_.terminalTasks.end() ? 0 : it->second;
  }

  m["allocator/mesos/allocation_runs"] = a.allocationRuns;
  m["allocator/mesos/allocation_run_ms"] = a.lastAllocationRunMs;
  for (auto& [role, share] : a.dominantShares) m["allocator/mesos/roles/" + role + "/shares/dominant"] = share;
  for (auto& [name, value] : a.total) m["allocator/mesos/resources/" + name + "/total"] = value;
  for (auto& [name, value] : a.allocated) m["allocator/mesos/resources/" + name + "/offered_or_allocated"] = value;
  return m;
}

std::string MasterImpl::metricsJson() const {
  bj::object o;
  for (auto& [name, value] : metrics()) {
    // Counts as integers, as they always were.
    if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
      o[name] = static_cast<int64_t>(value);
    } else {
      o[name] = value;
    }
  }
  return json::serialize(o);
}

}  // namespace tepui::master
