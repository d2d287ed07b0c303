// The agent's metrics under Mesos's key names, for everything it has:
// slave/* (gauges of what runs now, counters kept as things happen) and
// system/*. One Snapshot serves /metrics/snapshot, /metrics/prometheus and
// the operator API's GET_METRICS. Walking the agent's own tasks is cheap:
// an agent runs at most a few hundred.
#include "agent/agent_impl.hpp"
#include "common/clock.hpp"
#include "common/system_metrics.hpp"
#include "common/task_states.hpp"

namespace tepui::agent {

tepui::metrics::Snapshot AgentImpl::metrics() const {
  tepui::metrics::Snapshot m;
  m.gauge("slave/registered", registered_ ? 1 : 0);
  m.gauge("slave/uptime_secs", clock::wallSeconds() - startTime_);

  size_t frameworksActive = 0, running = 0, registering = 0, terminating = 0;
  std::map<int, size_t> live;  // TaskState -> tasks not yet terminal
  Resources used;
  for (auto& [fid, f] : frameworks_) {
    frameworksActive += !f.removed;
    for (auto& [eid, e] : f.executors) {
      running += e.state == Executor::State::RUNNING;
      registering += e.starting();
      terminating += e.state == Executor::State::TERMINATING;
      for (auto& [tid, t] : e.tasks) {
        if (isTerminalState(t.state)) continue;
        live[t.state]++;
        used += Resources(t.info.resources());
      }
    }
  }
  for (std::string r : {"cpus", "mem", "disk", "gpus"}) {
    double t = total_.scalar(r), u = used.scalar(r);
    m.gauge("slave/" + r + "_total", t);
    m.gauge("slave/" + r + "_used", u);
    m.gauge("slave/" + r + "_percent", t > 0 ? u / t : 0.0);
  }
  m.gauge("slave/frameworks_active", static_cast<double>(frameworksActive));
  m.gauge("slave/executors_running", static_cast<double>(running));
  m.gauge("slave/executors_registering", static_cast<double>(registering));
  m.gauge("slave/executors_terminating", static_cast<double>(terminating));
  m.counter("slave/executors_terminated", static_cast<double>(executorsTerminated_));
  m.counter("slave/container_launch_errors", static_cast<double>(containerLaunchErrors_));

  using tepui::metrics::Kind;
  tepui::metrics::addTaskStates(m, "slave/", {v1::TASK_STAGING, v1::TASK_STARTING, v1::TASK_RUNNING, v1::TASK_KILLING},
                                live, Kind::kGauge);
  tepui::metrics::addTaskStates(
      m, "slave/",
      {v1::TASK_FINISHED, v1::TASK_FAILED, v1::TASK_KILLED, v1::TASK_LOST, v1::TASK_GONE, v1::TASK_GONE_BY_OPERATOR},
      terminalTasks_, Kind::kCounter);

  m.counter("slave/valid_status_updates", static_cast<double>(validStatusUpdates_));
  m.counter("slave/invalid_status_updates", static_cast<double>(invalidStatusUpdates_));
  m.counter("slave/valid_framework_messages", static_cast<double>(validFrameworkMessages_));
  m.counter("slave/invalid_framework_messages", static_cast<double>(invalidFrameworkMessages_));
  // Tepui's own: status updates waiting for the framework's acknowledgement.
  m.gauge("slave/status_updates_pending", static_cast<double>(updates_.pendingCount()));
  m.gauge("slave/checkpoint_changes_pending", static_cast<double>(checkpointWriter_.pending()));
  m.counter("slave/checkpoint_groups_written", static_cast<double>(checkpointWriter_.groups()));
  m.counter("slave/checkpoint_changes_written", static_cast<double>(checkpointWriter_.applied()));
  m.counter("slave/checkpoint_changes_failed", static_cast<double>(checkpointWriter_.failed()));
  tepui::metrics::addSystemMetrics(m);
  return m;
}

}  // namespace tepui::agent
