#include "services/kill_picker.hpp"

namespace tepui::services {

KillCandidate killCandidate(const Instance& instance, const ClusterView& view) {
  KillCandidate candidate;
  candidate.id = instance.id;
  candidate.since = instance.stagedAt;
  if (instance.scheduled) {
    candidate.phase = InstancePhase::kScheduled;
    return candidate;
  }
  if (const AgentFacts* facts = view.agent(instance.agentId)) {
    candidate.agent = *facts;
  } else {
    candidate.agent.agentId = instance.agentId;
    candidate.agent.hostname = instance.host;
  }
  switch (instance.state) {
    case v1::TASK_UNREACHABLE:
      candidate.phase = InstancePhase::kUnreachable;
      candidate.since = instance.unreachableSince.value_or(instance.stagedAt);
      break;
    case v1::TASK_STARTING: candidate.phase = InstancePhase::kStarting; break;
    case v1::TASK_RUNNING:
      candidate.phase = InstancePhase::kRunning;
      candidate.since = instance.startedAt.value_or(instance.stagedAt);
      break;
    default: candidate.phase = InstancePhase::kStaging; break;
  }
  return candidate;
}

KillPicker killPicker(bool oldestFirst, std::vector<Constraint> constraints, const ClusterView& view) {
  return [oldestFirst, constraints = std::move(constraints), &view](const std::vector<const Instance*>& candidates,
                                                                    size_t count) {
    std::vector<KillCandidate> instances;
    instances.reserve(candidates.size());
    for (const Instance* instance : candidates) instances.push_back(killCandidate(*instance, view));
    return selectToKill(instances, count, oldestFirst, constraints);
  };
}

}  // namespace tepui::services
