// HierarchicalDRF::allocate(): one weighted DRF pass over the agents.
//
// For each active agent (shuffled), roles in DRF order, and each role's
// eligible frameworks in DRF order: the first framework not blocked by a
// refusal gets everything the role may use there (unreserved + reserved to
// the role), provided that passes min_allocatable. Whatever is left (only
// other roles' reservations) goes on to the next roles.
//
// Cost: the cycle works on FlatResources (integer compares) and builds
// protobufs only for offers it makes. A settled agent (see
// hierarchical_drf.hpp) is skipped, or only offered to the frameworks that
// became eligible since, so a quiet cluster's cycle is O(agents) however
// many frameworks and filters it holds.
#include <algorithm>
#include <chrono>
#include <tuple>

#include "allocator/hierarchical_drf.hpp"

namespace tepui::allocator {

std::vector<Allocation> HierarchicalDRF::allocate(double now) {
  auto start = std::chrono::steady_clock::now();
  ++runs_;
  roleSorter_.refresh();
  for (auto& [name, role] : roles_) role->frameworks.refresh();
  std::shuffle(agentList_.begin(), agentList_.end(), rng_);
  for (size_t i = 0; i < agentList_.size(); ++i) agentList_[i]->listIndex = i;

  std::vector<Allocation> out;
  if (roleSorter_.activeCount() > 0) {
    for (AgentState* agent : agentList_) {
      if (!agent->active || agent->available.empty()) continue;
      AgentFilters* filters = filters_.forAgent(agent->key);
      bool expiring = filters != nullptr && filters->nextDeadline() <= now;
      if (expiring) filters_.expire(agent->key, now, runs_);
      bool settled = shortcuts_ && !expiring && agent->settledGeneration == agent->generation;
      if (settled && agent->settledEpoch == epoch_) continue;
      if (!settled || !allocateToNewlyEligible(*agent, now, out)) allocateAgent(*agent, now, out);
      agent->settledGeneration = agent->generation;
      agent->settledEpoch = epoch_;
    }
  }
  lastRunMs_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return out;
}

void HierarchicalDRF::allocateAgent(AgentState& agent, double now, std::vector<Allocation>& out) {
  agentOutStart_ = out.size();
  AgentFilters* filters = filters_.forAgent(agent.key);
  if (agent.group("*") != nullptr) {
    bool unreservedTaken = false;
    for (auto it = roleSorter_.begin(); it != roleSorter_.end();) {
      RoleState& role = *rolesByKey_[(*it)->tag];
      // Advance first: a grant re-sorts `role`, which leaves this iterator
      // (now on the next role) valid.
      ++it;
      if (offerToRole(agent, role, filters, now, out) && agent.group("*") == nullptr) {
        unreservedTaken = true;
        break;
      }
    }
    // Nobody took the unreserved part: every role has already been offered
    // everything it may use here.
    if (!unreservedTaken) return;
  }
  // Only reservations are left. Each can go only to its own role, so roles
  // don't compete for them and their order doesn't matter. (A role passed
  // over above was refused a superset of what it is offered now, so asking
  // it again cannot change its answer; it only costs a lookup.)
  std::vector<std::string> owners;
  for (const AvailableGroup& g : agent.available) owners.push_back(g.owner);
  for (const std::string& owner : owners) {
    RoleState* role = findRole(owner);
    if (role != nullptr && role->client->active) offerToRole(agent, *role, filters, now, out);
  }
}

bool HierarchicalDRF::allocateToNewlyEligible(AgentState& agent, double now, std::vector<Allocation>& out) {
  // Past this many, walking everything is about as cheap and simpler.
  constexpr size_t kMaxCandidates = 64;
  if (events_.empty() || events_.front().epoch > agent.settledEpoch + 1) return false;  // some were dropped

  struct Candidate {
    RoleState* role;
    Sorter::Client* client;
    FrameworkState* framework;
  };
  std::vector<Candidate> candidates;
  size_t scanned = 0;
  for (auto it = events_.rbegin(); it != events_.rend() && it->epoch > agent.settledEpoch; ++it) {
    if (++scanned > kMaxCandidates) return false;
    RoleState* role = it->role < rolesByKey_.size() ? rolesByKey_[it->role] : nullptr;
    FrameworkState* framework = frameworksByKey_[it->framework];
    if (role == nullptr || framework == nullptr || !role->client->active) continue;
    Sorter::Client* client = role->frameworks.find(framework->id);
    if (client == nullptr || !client->active) continue;
    bool seen = std::any_of(candidates.begin(), candidates.end(),
                            [&](const Candidate& c) { return c.client == client && c.role == role; });
    if (!seen) candidates.push_back({role, client, framework});
  }
  // Everyone else was refused a superset of what is there now (or could not
  // take it at all), so the answer can only come from these, in DRF order.
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.role->client->share, a.role->name, a.client->share, a.client->name) <
           std::tie(b.role->client->share, b.role->name, b.client->share, b.client->name);
  });
  agentOutStart_ = out.size();
  AgentFilters* filters = filters_.forAgent(agent.key);
  for (const Candidate& c : candidates) {
    if (agent.available.empty()) break;
    tryGrant(agent, *c.role, *c.framework, filters, now, out);
  }
  return true;
}

bool HierarchicalDRF::tryGrant(AgentState& agent, RoleState& role, FrameworkState& framework, AgentFilters* filters,
                               double now, std::vector<Allocation>& out) {
  const AvailableGroup* unreserved = agent.group("*");
  const AvailableGroup* reserved = role.name == "*" ? nullptr : agent.group(role.name);
  if (unreserved == nullptr && reserved == nullptr) return false;
  if (!allocatable(unreserved, reserved)) return false;
  if (filters != nullptr && filters->blocks(framework.key, role.key, unreserved ? &unreserved->flat : nullptr,
                                            reserved ? &reserved->flat : nullptr, now, runs_, agent.generation)) {
    return false;
  }
  grant(agent, role, framework, out);
  return true;
}

bool HierarchicalDRF::offerToRole(AgentState& agent, RoleState& role, AgentFilters* filters, double now,
                                  std::vector<Allocation>& out) {
  const AvailableGroup* unreserved = agent.group("*");
  const AvailableGroup* reserved = role.name == "*" ? nullptr : agent.group(role.name);
  if (unreserved == nullptr && reserved == nullptr) return false;
  if (!allocatable(unreserved, reserved)) return false;
  const FlatResources* u = unreserved ? &unreserved->flat : nullptr;
  const FlatResources* r = reserved ? &reserved->flat : nullptr;
  for (auto it = role.frameworks.begin(); it != role.frameworks.end(); ++it) {
    uint32_t framework = (*it)->tag;
    if (filters != nullptr && filters->blocks(framework, role.key, u, r, now, runs_, agent.generation)) continue;
    // Returns at once: the grant re-sorts the client `it` points at.
    grant(agent, role, *frameworksByKey_[framework], out);
    return true;
  }
  return false;
}

bool HierarchicalDRF::allocatable(const AvailableGroup* unreserved, const AvailableGroup* reserved) const {
  if (minAllocatable_.empty()) return true;  // groups are never empty
  for (const auto& entry : minAllocatable_) {
    bool satisfied = true;
    for (const auto& [name, minimum] : entry) {
      int64_t have =
          (unreserved ? unreserved->flat.scalars().get(name) : 0) + (reserved ? reserved->flat.scalars().get(name) : 0);
      if (have < minimum) {
        satisfied = false;
        break;
      }
    }
    if (satisfied) return true;
  }
  return false;
}

void HierarchicalDRF::grant(AgentState& agent, RoleState& role, FrameworkState& framework,
                            std::vector<Allocation>& out) {
  Resources offered;
  Quantities quantities;
  for (auto it = agent.available.begin(); it != agent.available.end();) {
    if (it->owner == "*" || it->owner == role.name) {
      quantities += it->flat.scalars();
      if (offered.empty()) {
        offered = std::move(it->resources);
      } else {
        offered += it->resources;
      }
      it = agent.available.erase(it);
    } else {
      ++it;
    }
  }
  ++agent.generation;
  Resources tagged = offered.allocate(role.name);
  track(agent, framework, role.name, std::move(offered), quantities);

  // One allocation per (framework, role, agent) per cycle. A second grant
  // to the same pair on one agent can't happen today (the first takes all
  // the role may use) but merging keeps the contract if that changes.
  for (size_t i = agentOutStart_; i < out.size(); ++i) {
    if (out[i].frameworkId == framework.id && out[i].role == role.name) {
      out[i].resources += tagged;
      return;
    }
  }
  out.push_back(Allocation{framework.id, role.name, agent.id, std::move(tagged)});
}

}  // namespace tepui::allocator
