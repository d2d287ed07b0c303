// HierarchicalDRF::allocate(): one weighted DRF pass over the agents.
//
// For each active agent (shuffled), roles in hierarchical DRF order (a
// depth-first walk of the role tree, siblings in DRF order), and each role's
// eligible frameworks in DRF order: the first framework not blocked by a
// refusal gets everything the role may use there (unreserved + reserved to
// the role or an ancestor; refined reservations only to
// RESERVATION_REFINEMENT frameworks), provided that passes min_allocatable.
// Whatever is left (only reservations) goes on to the next roles, then to
// the subtrees of the reservations' owners.
//
// Cost: the cycle works on FlatResources (integer compares) and builds
// protobufs only for offers it makes. A settled agent (see
// hierarchical_drf.hpp) is skipped, or (without quota) only offered to the
// frameworks that became eligible since, so a quiet cluster's cycle is
// O(agents) however many frameworks and filters it holds, quota or not.
#include <algorithm>
#include <chrono>
#include <unordered_set>

#include "allocator/hierarchical_drf.hpp"

namespace tepui::allocator {

std::vector<Allocation> HierarchicalDRF::allocate(double now) {
  auto start = std::chrono::steady_clock::now();
  ++runs_;
  refreshSorters();
  std::shuffle(agentList_.begin(), agentList_.end(), rng_);
  for (size_t i = 0; i < agentList_.size(); ++i) agentList_[i]->listIndex = i;

  bool shortcuts = shortcuts_ && !forceFullWalk_;
  forceFullWalk_ = false;
  const bool quota = !quota_.empty();
  eligible_.clear();
  std::vector<Allocation> out;
  // As many as last time: growing it offer by offer costs a large
  // allocation (and its copies) at every doubling.
  out.reserve(lastOffers_);
  if (root_.children.activeCount() > 0) {
    for (AgentState* agent : agentList_) {
      if (!agent->active || agent->available.empty()) continue;
      AgentFilters* filters = filters_.forAgent(agent->key);
      bool expiring = filters != nullptr && filters->nextDeadline() <= now;
      if (expiring) {
        filters_.expire(agent->key, now, runs_);
        filters = filters_.forAgent(agent->key);  // gone if none is left
      }
      bool settled = shortcuts && !expiring && agent->settledGeneration == agent->generation &&
                     (!quota || agent->settledQuotaEpoch == quotaEpoch());
      if (settled && agent->settledEpoch == epoch_) continue;
      // Under quota, newly eligible frameworks still mean a full walk (stage
      // 1 and the rooms are decided there).
      if (!settled || quota || !allocateToNewlyEligible(*agent, filters, now, out)) {
        allocateAgent(*agent, filters, now, out);
      }
      agent->settledGeneration = agent->generation;
      agent->settledEpoch = epoch_;
      agent->settledQuotaEpoch = quotaEpoch();
    }
  }
  lastOffers_ = out.size();
  lastRunMs_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return out;
}

void HierarchicalDRF::allocateAgent(AgentState& agent, AgentFilters* filters, double now,
                                    std::vector<Allocation>& out) {
  agentOutStart_ = out.size();
  // Stage 1: roles below a guarantee, up to it.
  if (agent.group("*") != nullptr && !quota_.requiredHeadroom().empty()) {
    offerToSubtree(agent, root_, filters, now, /*stage1=*/true, out);
  }
  if (agent.group("*") != nullptr) {
    // Nobody took the unreserved part: every role has already been offered
    // everything it may use here.
    if (!offerToSubtree(agent, root_, filters, now, /*stage1=*/false, out)) return;
  }
  // Only reservations are left. Each can go only to its owner's subtree, so
  // subtrees don't compete for them: each owner's subtree is walked in DRF
  // order. (A role passed over above was refused a superset of what it is
  // offered now, so asking it again cannot change its answer; it only costs
  // a lookup.)
  std::vector<std::string> owners;
  for (const AvailableGroup& g : agent.available) {
    if (std::find(owners.begin(), owners.end(), g.owner) == owners.end()) owners.push_back(g.owner);
  }
  for (const std::string& owner : owners) {
    RoleState* role = findRole(owner);
    if (role == nullptr || !role->client->active) continue;
    offerToSubtree(agent, *role, filters, now, /*stage1=*/false, out, /*untilUnreservedGone=*/false);
  }
}

bool HierarchicalDRF::offerToSubtree(AgentState& agent, RoleState& node, AgentFilters* filters, double now, bool stage1,
                                     std::vector<Allocation>& out, bool untilUnreservedGone) {
  for (auto it = node.children.begin(); it != node.children.end();) {
    uint32_t tag = (*it)->tag;
    // Advance first: a grant re-sorts the client visited (and its
    // ancestors' clients), which leaves this iterator (now on the next
    // sibling) valid.
    ++it;
    bool granted = tag == RoleState::kSelf
                       ? offerToRole(agent, node, filters, now, stage1, out)
                       : offerToSubtree(agent, *rolesByKey_[tag], filters, now, stage1, out, untilUnreservedGone);
    if (granted && untilUnreservedGone && agent.group("*") == nullptr) return true;
    if (agent.available.empty()) return granted;
  }
  return false;
}

const std::vector<HierarchicalDRF::Candidate>& HierarchicalDRF::newlyEligible(uint64_t since) {
  for (const auto& [epoch, list] : eligible_) {
    if (epoch == since) return list;
  }
  std::vector<Candidate> list;
  std::unordered_set<const Sorter::Client*> seen;
  for (auto it = events_.rbegin(); it != events_.rend() && it->epoch > since; ++it) {
    RoleState* role = it->role < rolesByKey_.size() ? rolesByKey_[it->role] : nullptr;
    FrameworkState* framework = frameworksByKey_[it->framework];
    if (role == nullptr || framework == nullptr) continue;
    Sorter::Client* client = role->frameworks.find(framework->id);
    if (client == nullptr || !client->active || !seen.insert(client).second) continue;
    list.push_back({role, client, framework});
  }
  // Grouped by role, so that a role's shape is computed once per agent.
  std::sort(list.begin(), list.end(), [](const Candidate& a, const Candidate& b) {
    return a.role->key != b.role->key ? a.role->key < b.role->key : a.framework->key < b.framework->key;
  });
  eligible_.emplace_back(since, std::move(list));
  return eligible_.back().second;
}

bool HierarchicalDRF::allocateToNewlyEligible(AgentState& agent, AgentFilters* filters, double now,
                                              std::vector<Allocation>& out) {
  // Past this many that could take something here, walking everything is
  // about as cheap: the walk stops at the first taker, while these would
  // all need their DRF positions.
  constexpr size_t kMaxTakers = 64;
  if (events_.empty() || events_.front().epoch > agent.settledEpoch + 1) return false;  // some were dropped
  const std::vector<Candidate>& candidates = newlyEligible(agent.settledEpoch);
  // Everyone else was refused a superset of what is there now (or could not
  // take it at all), so the answer can only come from these. Most of them
  // are refused too on a busy cluster: they are dropped first, in any
  // order and without their DRF positions, since a framework refused the
  // whole offer is refused whatever another's grant leaves (a subset).
  struct Taker {
    const Candidate* candidate;
    std::vector<const Sorter::Client*> path;  // see pathOf()
  };
  std::vector<Taker> takers;
  const RoleState* shaped = nullptr;
  std::optional<Shape> forCapable;
  std::optional<std::optional<Shape>> forOthers;
  for (const Candidate& c : candidates) {
    if (!mayUse(agent, *c.framework)) continue;
    if (c.role != shaped) {
      shaped = c.role;
      forCapable = shape(agent, *c.role, /*stage1=*/false, /*refined=*/true);
      forOthers.reset();
    }
    const std::optional<Shape>& offer = shapeFor(*c.framework, agent, *c.role, /*stage1=*/false, forCapable, forOthers);
    if (!offer || refused(filters, agent, *c.role, *c.framework, *offer, now)) continue;
    if (takers.size() == kMaxTakers) return false;
    takers.push_back({&c, {}});
  }
  for (Taker& t : takers) t.path = pathOf(*t.candidate->role, t.candidate->client);
  std::sort(takers.begin(), takers.end(), [](const Taker& a, const Taker& b) {
    return std::lexicographical_compare(a.path.begin(), a.path.end(), b.path.begin(), b.path.end(), Sorter::ByShare());
  });
  agentOutStart_ = out.size();
  for (const Taker& t : takers) {
    if (agent.available.empty()) break;
    tryGrant(agent, *t.candidate->role, *t.candidate->framework, t.candidate->client, filters, now, out);
  }
  return true;
}

bool HierarchicalDRF::refused(AgentFilters* filters, const AgentState& agent, const RoleState& role,
                              const FrameworkState& framework, const Shape& offer, double now) {
  return filters != nullptr &&
         filters->blocks(framework.key, role.key, offer.unreserved ? &offer.unreserved->flat : nullptr,
                         offer.reservedFlat, now, runs_, agent.generation);
}

bool HierarchicalDRF::tryGrant(AgentState& agent, RoleState& role, FrameworkState& framework, Sorter::Client* client,
                               AgentFilters* filters, double now, std::vector<Allocation>& out) {
  if (!mayUse(agent, framework)) return false;
  std::optional<Shape> offer = shape(agent, role, /*stage1=*/false, framework.refinementCapable);
  if (!offer || refused(filters, agent, role, framework, *offer, now)) return false;
  grant(agent, role, framework, *offer, out, client);
  return true;
}

bool HierarchicalDRF::offerToRole(AgentState& agent, RoleState& role, AgentFilters* filters, double now, bool stage1,
                                  std::vector<Allocation>& out) {
  const std::optional<Shape> offer = shape(agent, role, stage1, /*refined=*/true);
  if (!offer) return false;
  std::optional<std::optional<Shape>> withoutRefined;  // made when first needed
  for (auto it = role.frameworks.begin(); it != role.frameworks.end(); ++it) {
    FrameworkState& framework = *frameworksByKey_[(*it)->tag];
    if (agent.hasGpus && !mayUse(agent, framework)) continue;
    const std::optional<Shape>& its = shapeFor(framework, agent, role, stage1, offer, withoutRefined);
    if (!its) continue;
    // Filters are matched against the whole groups: a cut offer is a subset
    // of them, so a refusal of the whole blocks it too.
    if (refused(filters, agent, role, framework, *its, now)) continue;
    // Returns at once: the grant re-sorts the client `it` points at.
    grant(agent, role, framework, *its, out, *it);
    return true;
  }
  return false;
}

bool HierarchicalDRF::allocatable(const Quantities* unreserved, const Quantities* reserved) const {
  if (minAllocatable_.empty()) return true;  // the caller makes sure the offer is not empty
  for (const auto& entry : minAllocatable_) {
    bool satisfied = true;
    for (const auto& [name, minimum] : entry) {
      int64_t have = (unreserved ? unreserved->get(name) : 0) + (reserved ? reserved->get(name) : 0);
      if (have < minimum) {
        satisfied = false;
        break;
      }
    }
    if (satisfied) return true;
  }
  return false;
}

void HierarchicalDRF::grant(AgentState& agent, RoleState& role, FrameworkState& framework, const Shape& shape,
                            std::vector<Allocation>& out, Sorter::Client* client) {
  // The groups to take, by identity: the shape's pointers go stale as soon
  // as a group is erased from the vector.
  std::vector<std::pair<std::string, bool>> taken;
  for (const AvailableGroup* g : shape.reserved) taken.emplace_back(g->owner, g->refined);
  bool wholeUnreserved = shape.unreserved != nullptr && !shape.cut;
  Resources offered;
  Quantities quantities;
  if (shape.cut) {
    // Quota cut the unreserved part: take that much, leave the rest.
    AvailableGroup& unreserved = *agent.group("*");
    offered = *shape.cut;
    quantities = Quantities::of(offered);
    unreservedAvailable_ -= unreserved.headroom;
    unreserved.resources -= offered;
    unreserved.flat = FlatResources(unreserved.resources, keys_);
    unreserved.headroom = Quantities::ofNonRevocable(unreserved.resources);
    unreservedAvailable_ += unreserved.headroom;
    if (unreserved.resources.empty()) {
      std::erase_if(agent.available, [](const AvailableGroup& g) { return g.owner == "*"; });
    }
  }
  for (auto it = agent.available.begin(); it != agent.available.end();) {
    bool whole = it->owner == "*" ? wholeUnreserved
                                  : std::find(taken.begin(), taken.end(),
                                              std::pair<std::string, bool>(it->owner, it->refined)) != taken.end();
    if (whole) {
      if (it->owner == "*") unreservedAvailable_ -= it->headroom;
      if (quantities.empty()) {
        quantities = std::move(it->flat).scalars();  // the group goes: no copy
      } else {
        quantities += it->flat.scalars();
      }
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
  track(agent, framework, role.name, std::move(offered), quantities, client);

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
