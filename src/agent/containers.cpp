// The executors' containers: what each was given, its limits kept in step
// with its tasks, limitations reported on its tasks' updates, and its usage
// at /monitor/statistics.
#include <boost/json.hpp>

#include "agent/agent_impl.hpp"
#include "common/json.hpp"
#include "common/logging.hpp"
#include "common/task_states.hpp"

namespace tepui::agent {

namespace {

// What Mesos gives its command executor on top of its task.
constexpr double kCommandExecutorCpus = 0.1;
constexpr double kCommandExecutorMemMB = 32;

}  // namespace

containerizer::ContainerResources AgentImpl::containerResources(const Executor& e) const {
  containerizer::ContainerResources given;
  given.add(e.info.resources());
  if (e.kind == Executor::Kind::COMMAND) {
    given.cpus += kCommandExecutorCpus;
    given.memBytes += static_cast<uint64_t>(kCommandExecutorMemMB * 1024 * 1024);
  }
  for (const auto& [taskId, record] : e.tasks) {
    v1::TaskState latest = updates_.latestQueuedState(e.frameworkId, taskId).value_or(record.state);
    if (isTerminalState(latest)) continue;
    given.add(record.info.resources(), &record.info.limits());
  }
  return given;
}

void AgentImpl::updateContainer(Executor& e) {
  if (e.pid <= 0) return;
  if (auto s = containerizer_->update(e.containerId, containerResources(e)); !s) {
    TLOG(WARNING) << "Cannot update the limits of executor " << e.id << "'s container " << e.containerId << ": "
                  << s.error().message;
  }
}

void AgentImpl::checkLimitation(Executor& e, v1::TaskStatus& status) {
  auto limit = containerizer_->limitation(e.containerId);
  if (!limit) return;
  TLOG(WARNING) << "Container " << e.containerId << " of executor " << e.id << ": " << limit->message;
  status.set_state(v1::TASK_FAILED);
  status.set_source(v1::TaskStatus::SOURCE_AGENT);
  status.set_reason(limit->reason);
  status.set_message(limit->message);
  *status.mutable_limitation() = limitationOf(e, *limit);
  containerLimited(e, *limit);
}

v1::TaskResourceLimitation AgentImpl::limitationOf(const Executor& e, const containerizer::Limitation& limit) const {
  v1::TaskResourceLimitation limitation;
  if (limit.resource == "mem" || limit.resource == "disk") {
    auto given = containerResources(e);
    auto* r = limitation.add_resources();
    r->set_name(limit.resource);
    r->set_type(v1::Value::SCALAR);
    uint64_t bytes = limit.resource == "disk" ? given.diskBytes : given.memBytes;
    r->mutable_scalar()->set_value(static_cast<double>(bytes) / (1024 * 1024));
  } else if (limit.resource == "ports") {
    for (const auto& r : e.info.resources()) {
      if (r.name() == "ports") *limitation.add_resources() = r;
    }
    for (const auto& [taskId, record] : e.tasks) {
      for (const auto& r : record.info.resources()) {
        if (r.name() == "ports") *limitation.add_resources() = r;
      }
    }
  }
  return limitation;
}

void AgentImpl::adoptLimitation(Executor& e, const containerizer::Limitation& limit) {
  e.terminationReason = limit.reason;
  e.terminationMessage = limit.message;
  e.terminationState = v1::TASK_FAILED;
  e.terminationLimitation = limitationOf(e, limit);
}

void AgentImpl::containerLimited(Executor& e, const containerizer::Limitation& limit) {
  if (e.state == Executor::State::TERMINATED || e.terminationReason == limit.reason) return;
  // The rest of the container goes too, its tasks failing for the same reason.
  adoptLimitation(e, limit);
  killContainer(e);
}

void AgentImpl::containerLimited(const std::string& containerId, const containerizer::Limitation& limit) {
  for (auto& [fid, framework] : frameworks_) {
    for (auto& [eid, e] : framework.executors) {
      if (e.containerId == containerId) return containerLimited(e, limit);
    }
  }
}

void AgentImpl::killContainer(Executor& e) {
  if (e.pid > 0) containerizer_->kill(e.containerId, e.pid);
}

std::map<std::string, containerizer::LiveContainer> AgentImpl::liveContainers() const {
  std::map<std::string, containerizer::LiveContainer> live;
  for (const auto& [fid, framework] : frameworks_) {
    for (const auto& [eid, e] : framework.executors) {
      if (e.pid > 0) live.emplace(e.containerId, containerizer::LiveContainer{containerResources(e), e.directory});
    }
  }
  return live;
}

std::vector<std::pair<const Executor*, v1::ResourceStatistics>> AgentImpl::containerUsage() {
  std::vector<std::pair<const Executor*, v1::ResourceStatistics>> all;
  for (auto& [fid, framework] : frameworks_) {
    for (auto& [eid, e] : framework.executors) {
      if (e.pid <= 0) continue;
      auto usage = containerizer_->usage(e.containerId, e.pid);
      if (usage) all.emplace_back(&e, std::move(*usage));  // else it is ending: its cgroups are going
    }
  }
  return all;
}

std::string AgentImpl::statisticsJson() {
  boost::json::array entries;
  for (auto& [e, usage] : containerUsage()) {
    boost::json::object entry;
    entry["framework_id"] = e->frameworkId;
    entry["executor_id"] = e->id;
    entry["executor_name"] = e->info.name();
    entry["source"] = e->info.source();
    entry["statistics"] = json::toValue(usage);
    entries.push_back(std::move(entry));
  }
  return json::serialize(entries);
}

}  // namespace tepui::agent
