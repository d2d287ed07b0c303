// Which of an app's instances to kill when it scales down.
//
// Order: instances not yet running go first (not launched yet, then
// unreachable, staging, starting), since killing them loses no work; then,
// among equals, the instances in the largest group of each GROUP_BY
// constraint (in the order the constraints are listed), so the instances
// that stay remain evenly spread (an instance whose agent lacks the
// GROUP_BY field counts as being in the largest group: it should not have
// been placed there); then age, by the app's killSelection (youngest first
// unless `oldestFirst`); then id, so the choice is deterministic. Groups are
// counted again after each choice.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "services/agent_facts.hpp"
#include "services/constraints.hpp"

namespace tepui::services {

// In kill order for instances of the same kind.
enum class InstancePhase { kScheduled, kUnreachable, kStaging, kStarting, kRunning };

struct KillCandidate {
  std::string id;
  AgentFacts agent;  // empty for instances not launched yet
  // When it started running; for instances not running yet, when they
  // entered their phase. Seconds on any one clock.
  double since = 0;
  InstancePhase phase = InstancePhase::kRunning;
};

// The ids of `count` instances to kill (all of them when count exceeds
// their number), first to kill first.
std::vector<std::string> selectToKill(const std::vector<KillCandidate>& instances, size_t count, bool oldestFirst,
                                      const std::vector<Constraint>& constraints);

}  // namespace tepui::services
