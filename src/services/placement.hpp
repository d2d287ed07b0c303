// Whether an agent may take one more instance of an app under its
// Marathon-compatible constraints (constraints.hpp), given the agents the
// app's instances already run on.
//
// Semantics, per operator, for the candidate agent's value v of the field
// (agent_facts.hpp's fieldValue) and the app's placed instances:
//   - an agent without the field satisfies only UNLIKE;
//   - UNIQUE: no placed instance has v;
//   - CLUSTER with a value: v equals it; without one: every placed
//     instance has v (the first placement fixes it);
//   - MAX_PER n: fewer than n placed instances have v;
//   - LIKE / UNLIKE: v fully matches / does not match the pattern;
//   - IS: v equals the value;
//   - GROUP_BY: spreads evenly whatever order offers come in (unlike
//     Marathon, whose result depends on it). The groups are the distinct
//     values of the field over the ClusterView's agents that the app's
//     agent-only constraints (LIKE, UNLIKE, IS, CLUSTER with a value)
//     allow, of the placed instances and of the candidate. Without a
//     count, v is accepted only while its group holds the fewest instances
//     among all groups. With a count n, at most n groups are used: while fewer than n hold
//     instances, only an empty group is accepted (so the n are filled
//     first); then v must be one of those n and hold the fewest instances
//     among them. Either way, after k placements the used groups differ by
//     at most one instance, which is instances/n per group with the
//     remainder spread; there is no per-group cap beyond that, so
//     instances placed during a rolling restart (old and new together)
//     stay spread too. With fewer groups known than n, instances spread
//     over those there are. Placed instances whose agent lacks the field
//     belong to no group.
// GROUP_BY waits for the emptiest group: a group whose agents never have
// room holds placement back. The caller keeps the ClusterView to the
// agents that can take instances (forgetAgentsNotSeenSince drops agents
// that have stopped offering).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "services/agent_facts.hpp"
#include "services/constraints.hpp"

namespace tepui::services {

// The agents seen so far (in offers or the master's agent list), for
// GROUP_BY's set of groups. Updated by the caller; not thread-safe.
class ClusterView {
 public:
  // Adds or refreshes an agent, seen at `seenAt` (any clock the caller
  // uses consistently, e.g. clock::monotonicSeconds()).
  void update(const AgentFacts& facts, double seenAt);
  void remove(const std::string& agentId);
  // Drops the agents last seen before `time`.
  void forgetAgentsNotSeenSince(double time);

  // The distinct values of `field` over the known agents (those for which
  // `eligible` holds, when given).
  std::set<std::string> values(const std::string& field,
                               const std::function<bool(const AgentFacts&)>& eligible = nullptr) const;
  // The facts of a known agent, or nullptr.
  const AgentFacts* agent(const std::string& agentId) const;
  size_t size() const { return agents_.size(); }

 private:
  struct Seen {
    AgentFacts facts;
    double at = 0;
  };
  std::map<std::string, Seen> agents_;  // by agent id
};

// The index of the first constraint the candidate fails, or nothing when
// it satisfies them all. `placed` holds the facts of the agent of each of
// the app's instances that count (one entry per instance).
std::optional<size_t> firstUnmetConstraint(const std::vector<Constraint>& constraints, const AgentFacts& candidate,
                                           const std::vector<AgentFacts>& placed, const ClusterView& view);

inline bool acceptsPlacement(const std::vector<Constraint>& constraints, const AgentFacts& candidate,
                             const std::vector<AgentFacts>& placed, const ClusterView& view) {
  return !firstUnmetConstraint(constraints, candidate, placed, view).has_value();
}

}  // namespace tepui::services
