#include "services/placement.hpp"

#include <algorithm>
#include <limits>

namespace tepui::services {
namespace {

// Instances per value of the field (instances without it are left out).
std::map<std::string, size_t> countByValue(const std::vector<AgentFacts>& placed, const std::string& field) {
  std::map<std::string, size_t> counts;
  for (const AgentFacts& facts : placed) {
    if (auto value = fieldValue(facts, field)) ++counts[*value];
  }
  return counts;
}

size_t countOf(const std::map<std::string, size_t>& counts, const std::string& value) {
  auto it = counts.find(value);
  return it == counts.end() ? 0 : it->second;
}

bool satisfies(const Constraint& constraint, const AgentFacts& candidate, const std::vector<AgentFacts>& placed,
               const ClusterView& view, const std::vector<Constraint>& all);

// Whether the constraint depends on the agent alone, not on placements.
bool dependsOnAgentAlone(const Constraint& constraint) {
  switch (constraint.op()) {
    case ConstraintOperator::kLike:
    case ConstraintOperator::kUnlike:
    case ConstraintOperator::kIs: return true;
    case ConstraintOperator::kCluster: return constraint.expected().has_value();
    default: return false;
  }
}

bool groupByAccepts(const Constraint& constraint, const std::string& value, const std::vector<AgentFacts>& placed,
                    const ClusterView& view, const std::vector<Constraint>& all) {
  const std::map<std::string, size_t> counts = countByValue(placed, constraint.field());
  std::set<std::string> groups;
  const bool allUsed = constraint.count() && counts.size() >= static_cast<size_t>(*constraint.count());
  if (allUsed) {
    if (!counts.contains(value)) return false;
    for (const auto& [group, count] : counts) groups.insert(group);
  } else {
    // Only the groups of agents the app may run on at all count.
    groups = view.values(constraint.field(), [&](const AgentFacts& agent) {
      return std::all_of(all.begin(), all.end(), [&](const Constraint& other) {
        return !dependsOnAgentAlone(other) || satisfies(other, agent, {}, view, all);
      });
    });
    for (const auto& [group, count] : counts) groups.insert(group);
    groups.insert(value);
  }
  size_t fewest = std::numeric_limits<size_t>::max();
  for (const std::string& group : groups) fewest = std::min(fewest, countOf(counts, group));
  return countOf(counts, value) == fewest;
}

bool satisfies(const Constraint& constraint, const AgentFacts& candidate, const std::vector<AgentFacts>& placed,
               const ClusterView& view, const std::vector<Constraint>& all) {
  const std::optional<std::string> value = fieldValue(candidate, constraint.field());
  if (!value) return constraint.op() == ConstraintOperator::kUnlike;
  switch (constraint.op()) {
    case ConstraintOperator::kUnique: return countOf(countByValue(placed, constraint.field()), *value) == 0;
    case ConstraintOperator::kCluster:
      if (constraint.expected()) return *value == *constraint.expected();
      return std::all_of(placed.begin(), placed.end(),
                         [&](const AgentFacts& facts) { return fieldValue(facts, constraint.field()) == value; });
    case ConstraintOperator::kGroupBy: return groupByAccepts(constraint, *value, placed, view, all);
    case ConstraintOperator::kMaxPer:
      return countOf(countByValue(placed, constraint.field()), *value) < static_cast<size_t>(*constraint.count());
    case ConstraintOperator::kLike: return constraint.patternMatches(*value);
    case ConstraintOperator::kUnlike: return !constraint.patternMatches(*value);
    case ConstraintOperator::kIs: return *value == *constraint.expected();
  }
  return false;
}

}  // namespace

void ClusterView::update(const AgentFacts& facts, double seenAt) { agents_[facts.agentId] = Seen{facts, seenAt}; }

const AgentFacts* ClusterView::agent(const std::string& agentId) const {
  auto it = agents_.find(agentId);
  return it == agents_.end() ? nullptr : &it->second.facts;
}

void ClusterView::remove(const std::string& agentId) { agents_.erase(agentId); }

void ClusterView::forgetAgentsNotSeenSince(double time) {
  std::erase_if(agents_, [&](const auto& entry) { return entry.second.at < time; });
}

std::set<std::string> ClusterView::values(const std::string& field,
                                          const std::function<bool(const AgentFacts&)>& eligible) const {
  std::set<std::string> values;
  for (const auto& [id, seen] : agents_) {
    if (eligible && !eligible(seen.facts)) continue;
    if (auto value = fieldValue(seen.facts, field)) values.insert(*value);
  }
  return values;
}

std::optional<size_t> firstUnmetConstraint(const std::vector<Constraint>& constraints, const AgentFacts& candidate,
                                           const std::vector<AgentFacts>& placed, const ClusterView& view) {
  for (size_t i = 0; i < constraints.size(); ++i) {
    if (!satisfies(constraints[i], candidate, placed, view, constraints)) return i;
  }
  return std::nullopt;
}

}  // namespace tepui::services
