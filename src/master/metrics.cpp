// The master's metrics under Mesos's key names, for everything it has:
// master/* (cluster gauges, counters kept as things happen), registrar/*,
// allocator/mesos/* and system/*. One Snapshot serves /metrics/snapshot,
// /metrics/prometheus and GET_METRICS.
#include "common/clock.hpp"
#include "common/system_metrics.hpp"
#include "master/master_impl.hpp"

namespace tepui::master {

namespace {

using Snapshot = tepui::metrics::Snapshot;
using SchedulerCall = v1::scheduler::Call;
using AgentCall = internal::AgentCall;

double countOf(const std::map<int, uint64_t>& counts, int key) {
  auto it = counts.find(key);
  return it == counts.end() ? 0.0 : static_cast<double>(it->second);
}

double quantity(const std::map<std::string, double>& q, const std::string& name) {
  auto it = q.find(name);
  return it == q.end() ? 0.0 : it->second;
}

// master/messages_* from the calls received, as Mesos counts its messages.
void addMessages(Snapshot& m, const Counters& c) {
  static const std::pair<const char*, SchedulerCall::Type> kSchedulerCalls[] = {
      {"master/messages_unregister_framework", SchedulerCall::TEARDOWN},
      {"master/messages_kill_task", SchedulerCall::KILL},
      {"master/messages_revive_offers", SchedulerCall::REVIVE},
      {"master/messages_suppress_offers", SchedulerCall::SUPPRESS},
      {"master/messages_reconcile_tasks", SchedulerCall::RECONCILE},
      {"master/messages_reconcile_operations", SchedulerCall::RECONCILE_OPERATIONS},
      {"master/messages_resource_request", SchedulerCall::REQUEST},
      {"master/messages_framework_to_executor", SchedulerCall::MESSAGE},
      {"master/messages_status_update_acknowledgement", SchedulerCall::ACKNOWLEDGE},
      {"master/messages_operation_status_update_acknowledgement", SchedulerCall::ACKNOWLEDGE_OPERATION_STATUS}};
  for (auto& [key, type] : kSchedulerCalls) m.counter(key, countOf(c.schedulerCalls, type));
  static const std::pair<const char*, AgentCall::Type> kAgentCalls[] = {
      {"master/messages_status_update", AgentCall::STATUS_UPDATE},
      {"master/messages_executor_to_framework", AgentCall::EXECUTOR_MESSAGE},
      {"master/messages_exited_executor", AgentCall::EXECUTOR_EXITED}};
  for (auto& [key, type] : kAgentCalls) m.counter(key, countOf(c.agentCalls, type));

  // SUBSCRIBE and REGISTER without an id register, with one re-register.
  double resubscribes = static_cast<double>(c.frameworkResubscriptions);
  m.counter("master/messages_register_framework", countOf(c.schedulerCalls, SchedulerCall::SUBSCRIBE) - resubscribes);
  m.counter("master/messages_reregister_framework", resubscribes);
  double reregisters = static_cast<double>(c.agentReregisterCalls);
  m.counter("master/messages_register_slave", countOf(c.agentCalls, AgentCall::REGISTER) - reregisters);
  m.counter("master/messages_reregister_slave", reregisters);
  // Tasks sent to agents, and offers declined (Tepui counts these rather
  // than the calls that carried them).
  m.counter("master/messages_launch_tasks", static_cast<double>(c.tasksLaunched));
  m.counter("master/messages_decline_offers", static_cast<double>(c.offersDeclined));

  static const std::pair<const char*, uint64_t Counters::*> kCounters[] = {
      {"master/valid_status_updates", &Counters::validStatusUpdates},
      {"master/invalid_status_updates", &Counters::invalidStatusUpdates},
      {"master/valid_status_update_acknowledgements", &Counters::validStatusUpdateAcknowledgements},
      {"master/invalid_status_update_acknowledgements", &Counters::invalidStatusUpdateAcknowledgements},
      {"master/valid_framework_to_executor_messages", &Counters::validFrameworkToExecutorMessages},
      {"master/invalid_framework_to_executor_messages", &Counters::invalidFrameworkToExecutorMessages},
      {"master/valid_executor_to_framework_messages", &Counters::validExecutorToFrameworkMessages},
      {"master/invalid_executor_to_framework_messages", &Counters::invalidExecutorToFrameworkMessages},
      {"master/dropped_messages", &Counters::droppedMessages},
      {"master/slave_registrations", &Counters::agentRegistrations},
      {"master/slave_reregistrations", &Counters::agentReregistrations},
      // Tepui's own: registrations dropped because the agent had closed the
      // connection before they were served (it registers again on a new one).
      {"master/slave_registrations_abandoned", &Counters::abandonedRegistrations},
      {"master/slave_removals", &Counters::agentRemovals}};
  for (auto& [key, field] : kCounters) m.counter(key, static_cast<double>(c.*field));
}

// allocator/mesos/*: the allocator's running totals and its quota book.
void addAllocator(Snapshot& m, const allocator::Allocator& allocator) {
  auto a = allocator.metrics();
  m.counter("allocator/mesos/allocation_runs", static_cast<double>(a.allocationRuns));
  m.gauge("allocator/mesos/allocation_run_ms", a.lastAllocationRunMs);
  for (auto& [role, share] : a.dominantShares) m.gauge("allocator/mesos/roles/<role>/shares/dominant", {role}, share);
  for (auto& [name, value] : a.total) m.gauge("allocator/mesos/resources/<resource>/total", {name}, value);
  for (auto& [name, value] : a.allocated) {
    m.gauge("allocator/mesos/resources/<resource>/offered_or_allocated", {name}, value);
  }
  for (auto& quota : allocator.quotas()) {
    for (auto& [name, value] : quota.guarantees) {
      m.gauge("allocator/mesos/quota/roles/<role>/resources/<resource>/guarantee", {quota.role, name}, value);
    }
    for (auto& [name, value] : quota.limits) {
      m.gauge("allocator/mesos/quota/roles/<role>/resources/<resource>/limit", {quota.role, name}, value);
    }
    for (auto& [name, value] : allocator.consumedQuota(quota.role)) {
      m.gauge("allocator/mesos/quota/roles/<role>/resources/<resource>/offered_or_allocated", {quota.role, name},
              value);
    }
  }
}

}  // namespace

tepui::metrics::Snapshot MasterImpl::metrics() const {
  Snapshot m;
  m.gauge("master/elected", leading_ ? 1 : 0);
  m.gauge("master/uptime_secs", clock::wallSeconds() - startTime_);

  int active = 0, inactive = 0, connected = 0, disconnected = 0;
  for (auto& [id, a] : agents_) {
    (a.active() ? active : inactive)++;
    (a.connected ? connected : disconnected)++;
  }
  // Live tasks as counted when they change; unreachable ones as kept.
  std::map<int, int64_t> taskStates = liveTasks_;
  int frameworksActive = 0, frameworksConnected = 0;
  for (auto& [id, f] : frameworks_) {
    frameworksActive += f.active;
    frameworksConnected += f.connected;
    taskStates[v1::TASK_UNREACHABLE] += static_cast<int64_t>(f.unreachableTasks.size());
  }
  // Totals and what is used (by tasks and executors, or offered), as the
  // allocator keeps them as they change: summing every task's resources
  // here cost a poll tens of milliseconds of the loop at 100,000 tasks.
  auto totals = allocator_->metrics();
  for (std::string r : {"cpus", "mem", "disk", "gpus"}) {
    double t = quantity(totals.total, r), u = quantity(totals.allocated, r);
    m.gauge("master/" + r + "_total", t);
    m.gauge("master/" + r + "_used", u);
    m.gauge("master/" + r + "_percent", t > 0 ? u / t : 0.0);
  }
  m.gauge("master/slaves_active", active);
  m.gauge("master/slaves_inactive", inactive);
  m.gauge("master/slaves_connected", connected);
  m.gauge("master/slaves_disconnected", disconnected);
  m.gauge("master/slaves_unreachable", static_cast<double>(unreachableAgents_.size()));
  m.gauge("master/operator_event_stream_subscribers", static_cast<double>(operatorSubscribers_.size()));
  m.gauge("master/frameworks_active", frameworksActive);
  m.gauge("master/frameworks_inactive", static_cast<double>(frameworks_.size()) - frameworksActive);
  m.gauge("master/frameworks_connected", frameworksConnected);
  m.gauge("master/frameworks_disconnected", static_cast<double>(frameworks_.size()) - frameworksConnected);
  m.gauge("master/outstanding_offers", static_cast<double>(offers_.size()));
  addMessages(m, counters_);

  // Live tasks by state, plus terminal ones counted as they happened.
  using tepui::metrics::Kind;
  tepui::metrics::addTaskStates(
      m, "master/", {v1::TASK_STAGING, v1::TASK_STARTING, v1::TASK_RUNNING, v1::TASK_KILLING, v1::TASK_UNREACHABLE},
      taskStates, Kind::kGauge);
  tepui::metrics::addTaskStates(m, "master/",
                                {v1::TASK_FINISHED, v1::TASK_FAILED, v1::TASK_KILLED, v1::TASK_LOST, v1::TASK_ERROR,
                                 v1::TASK_DROPPED, v1::TASK_GONE, v1::TASK_GONE_BY_OPERATOR},
                                counters_.terminalTasks, Kind::kCounter);

  if (registrar_) {
    m.gauge("registrar/queued_operations", static_cast<double>(registrar_->queued()));
    m.gauge("registrar/state_fetch_ms", registryFetchMs_);
    if (auto ms = registrar_->lastStoreMs()) m.gauge("registrar/state_store_ms", *ms);
  }
  addAllocator(m, *allocator_);
  tepui::metrics::addSystemMetrics(m);
  return m;
}

}  // namespace tepui::master
