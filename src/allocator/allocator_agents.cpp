// HierarchicalDRF: agents, allocation bookkeeping and recovery.
//
// Invariant kept here: on every agent, available + everything allocated
// there == total (as multisets, with allocation_info cleared), except that
// an agent reporting more in use than it has saturates available at empty.
// The role sorter, the role's framework sorter and allocatedTotal_ all see
// each tracked change exactly once.
#include <algorithm>
#include <iterator>

#include "allocator/hierarchical_drf.hpp"
#include "common/logging.hpp"

namespace tepui::allocator {

namespace {

constexpr double kMaxRefuseSeconds = 31536000;  // 365 days, as Mesos caps it

std::set<std::string> reservationRoles(const Resources& resources) {
  std::set<std::string> roles;
  for (const v1::Resource& r : resources) {
    std::string role = Resources::reservationRole(r);
    if (role != "*") roles.insert(std::move(role));
  }
  return roles;
}

}  // namespace

AvailableGroup* AgentState::group(const std::string& owner) {
  for (AvailableGroup& g : available) {
    if (g.owner == owner) return &g;
  }
  return nullptr;
}

bool usableBy(const std::string& owner, const std::string& role) {
  return owner == role || (role.size() > owner.size() && role[owner.size()] == '/' && role.starts_with(owner));
}

Resources HierarchicalDRF::availableOf(const AgentState& agent) {
  Resources sum;
  for (const AvailableGroup& g : agent.available) sum += g.resources;
  return sum;
}

void HierarchicalDRF::setAvailable(AgentState& agent, Resources available) {
  Quantities headroomBefore;
  if (AvailableGroup* unreserved = agent.group("*")) {
    unreservedAvailable_ -= unreserved->headroom;
    headroomBefore = std::move(unreserved->headroom);
  }
  agent.available.clear();
  auto addGroup = [&](std::string owner, bool refined, Resources resources) {
    if (resources.empty()) return;
    AvailableGroup g;
    g.owner = std::move(owner);
    g.refined = refined;
    g.flat = FlatResources(resources, keys_);
    if (g.owner == "*") {
      g.headroom = Quantities::ofNonRevocable(resources);
      unreservedAvailable_ += g.headroom;
    }
    g.resources = std::move(resources);
    agent.available.push_back(std::move(g));
  };
  bool reserved = std::any_of(available.begin(), available.end(),
                              [](const v1::Resource& r) { return Resources::reservationRole(r) != "*"; });
  if (!reserved) {
    addGroup("*", false, std::move(available));  // the common case: no copies
  } else {
    // Partition by owner (and refined or not) so that groups never
    // overlap: "*" first (the cycle asks for it most), then the
    // reservations.
    std::map<std::pair<std::string, bool>, std::vector<v1::Resource>> byOwner;
    for (const v1::Resource& r : available) {
      byOwner[{Resources::reservationRole(r), r.reservations_size() > 1}].push_back(r);
    }
    if (auto it = byOwner.find({"*", false}); it != byOwner.end()) addGroup("*", false, Resources(it->second));
    for (const auto& [key, items] : byOwner) {
      if (key.first != "*") addGroup(key.first, key.second, Resources(items));
    }
  }
  // More unreserved headroom is more surplus for quota (see quotaEpoch()).
  if (const AvailableGroup* unreserved = agent.group("*")) {
    const auto& after = unreserved->headroom.entries();
    if (std::any_of(after.begin(), after.end(), [&](const auto& e) { return e.second > headroomBefore.get(e.first); }))
      ++availableGrowth_;
  }
  ++agent.generation;
}

void HierarchicalDRF::countTotal(const AgentState& agent, bool add) {
  if (add) {
    basis_.total += agent.totalQuantities;
  } else {
    basis_.total -= agent.totalQuantities;
  }
  ++basis_.version;
  for (const std::string& role : reservationRoles(agent.total)) {
    if (add) {
      ++reservedRoles_[role];
    } else if (--reservedRoles_[role] == 0) {
      reservedRoles_.erase(role);
    }
  }
  consumeReservations(agent.total, add);
}

bool HierarchicalDRF::updateAllocation(const std::string& frameworkId, const std::string& agentId,
                                       const Resources& from, const Resources& to) {
  auto agentIt = agents_.find(agentId);
  FrameworkState* framework = findFramework(frameworkId);
  std::string role =
      from.empty() || !from.begin()->has_allocation_info() ? std::string() : from.begin()->allocation_info().role();
  Resources before = from.withoutAllocation();
  Resources after = to.withoutAllocation();
  const Resources* held = nullptr;
  if (agentIt != agents_.end() && framework != nullptr) held = agentIt->second->allocated.find(framework->key, role);
  if (held == nullptr || !held->contains(before)) {
    TLOG(WARNING) << "allocator: ignoring conversion of " << from << " to " << to << " for framework " << frameworkId
                  << " on agent " << agentId << ": not held there";
    return false;
  }
  AgentState& agent = *agentIt->second;
  replaceInTotal(agent, before, after);
  // Held before untrack: a role that would be left empty stays in place.
  track(agent, *framework, role, after, Quantities::of(after));
  untrack(agent, *framework, role, before);
  ++agent.generation;
  return true;
}

bool HierarchicalDRF::updateAvailable(const std::string& agentId, const Resources& from, const Resources& to) {
  auto it = agents_.find(agentId);
  if (it == agents_.end()) return false;
  AgentState& agent = *it->second;
  Resources before = from.withoutAllocation();
  Resources available = availableOf(agent);
  if (!available.contains(before)) return false;
  Resources after = to.withoutAllocation();
  replaceInTotal(agent, before, after);
  setAvailable(agent, available - before + after);
  return true;
}

void HierarchicalDRF::replaceInTotal(AgentState& agent, const Resources& before, const Resources& after) {
  countTotal(agent, false);
  agent.total -= before;
  agent.total += after;
  agent.totalQuantities = Quantities::of(agent.total);
  agent.hasGpus = agent.totalQuantities.get("gpus") > 0;
  countTotal(agent, true);
}

void HierarchicalDRF::consumeReservations(const Resources& total, bool add) {
  std::map<std::string, Quantities> byRole;
  if (quota_.empty()) return;
  for (const v1::Resource& r : total) {
    if (r.type() != v1::Value::SCALAR) continue;
    std::string role = Resources::reservationRole(r);
    if (role != "*" && quota_.bounds(role)) byRole[role].add(r.name(), Quantities::toFixed(r.scalar().value()));
  }
  for (const auto& [role, quantities] : byRole) consume(role, quantities, add);
}

void HierarchicalDRF::consume(const std::string& role, const Quantities& quantities, bool add) {
  add ? quota_.addConsumed(role, quantities) : quota_.removeConsumed(role, quantities);
  if (RoleState* top = findRole(role.substr(0, role.find('/')))) ++top->quotaChanges;
}

std::map<std::string, Quantities> HierarchicalDRF::measureConsumption(const std::set<std::string>& roles) const {
  std::map<std::string, Quantities> out;
  // Counts toward `owner` and every ancestor asked for.
  auto credit = [&](const std::string& owner, const std::string& name, int64_t amount) {
    for (std::string node = owner; !node.empty(); node = QuotaBook::parentOf(node)) {
      if (roles.contains(node)) out[node].add(name, amount);
    }
  };
  for (const auto& [id, agent] : agents_) {
    for (const v1::Resource& r : agent->total) {
      if (r.type() != v1::Value::SCALAR) continue;
      std::string owner = Resources::reservationRole(r);
      if (owner != "*") credit(owner, r.name(), Quantities::toFixed(r.scalar().value()));
    }
    for (const Holdings::Entry& held : agent->allocated) {
      Quantities unreserved = Quantities::ofUnreserved(held.resources);
      for (const auto& [name, amount] : unreserved.entries()) credit(held.role, name, amount);
    }
  }
  return out;
}

void HierarchicalDRF::track(AgentState& agent, FrameworkState& framework, const std::string& role, Resources resources,
                            const Quantities& quantities, Sorter::Client* client) {
  if (resources.empty()) return;
  if (quota_.bounds(role)) consume(role, Quantities::ofUnreserved(resources), true);
  bool first = !agent.allocated.holds(framework.key);
  Resources& held = agent.allocated.get(framework.key, role);
  if (first) framework.agents.added(agent.key, holdsOn(framework));
  if (held.empty()) {
    // Only the first holding can change the client (and create the role).
    if (framework.holdings[role]++ == 0) syncClient(role, framework);
    held = std::move(resources);
  } else {
    held += resources;
  }
  RoleState& state = *findRole(role);
  account(state, client != nullptr ? client : state.frameworks.find(framework.id), quantities, true);
  allocatedTotal_ += quantities;
}

Resources HierarchicalDRF::untrack(AgentState& agent, FrameworkState& framework, const std::string& role,
                                   const Resources& resources) {
  Resources* heldPtr = agent.allocated.find(framework.key, role);
  if (heldPtr == nullptr) return {};
  Resources& held = *heldPtr;
  // Only what is actually held comes back (held ∩ resources): the master may
  // race, e.g. recover an offer the allocator already dropped. Giving back
  // exactly what is held (a declined offer) is the common case.
  Resources released;
  if (held == resources) {
    released = std::move(held);
    held = Resources();
  } else {
    released = held.contains(resources) ? resources : held - (held - resources);
    if (released.empty()) return {};
    held -= released;
  }
  Quantities quantities = Quantities::of(released);
  if (RoleState* state = findRole(role)) account(*state, state->frameworks.find(framework.id), quantities, false);
  allocatedTotal_ -= quantities;
  if (quota_.bounds(role)) consume(role, Quantities::ofUnreserved(released), false);
  if (held.empty()) {
    agent.allocated.erase(framework.key, role);
    if (!agent.allocated.holds(framework.key)) framework.agents.removed();
    if (--framework.holdings[role] == 0) {
      framework.holdings.erase(role);
      syncClient(role, framework);  // only the last holding can change it
    }
  }
  return released;
}

void HierarchicalDRF::addAgent(const std::string& agentId, const v1::AgentInfo& info, const Resources& total,
                               const std::map<std::string, Resources>& used) {
  if (agents_.contains(agentId)) {
    TLOG(WARNING) << "allocator: agent " << agentId << " added twice; replacing it";
    removeAgent(agentId);
  }
  auto owned = std::make_unique<AgentState>();
  AgentState& agent = *owned;
  agent.id = agentId;
  agent.key = nextAgentKey_++;
  agent.info = info;
  agent.total = total.withoutAllocation();
  agent.totalQuantities = Quantities::of(agent.total);
  agent.hasGpus = agent.totalQuantities.get("gpus") > 0;
  agent.listIndex = agentList_.size();
  agents_.emplace(agentId, std::move(owned));
  agentsByKey_.emplace(agent.key, &agent);
  agentList_.push_back(&agent);
  countTotal(agent, true);

  Resources available = agent.total;
  for (const auto& [frameworkId, resources] : used) {
    FrameworkState& framework = frameworkState(frameworkId);
    // Resources the agent reports without an allocation role are charged to
    // the role they are reserved to if the framework has it, else to its
    // first role (legacy single-role frameworks), else to their owner.
    std::map<std::string, std::vector<v1::Resource>> byRole;
    for (v1::Resource r : resources) {
      std::string role;
      if (r.has_allocation_info() && !r.allocation_info().role().empty()) {
        role = r.allocation_info().role();
      } else {
        role = Resources::reservationRole(r);
        if (!framework.roles.contains(role) && !framework.roles.empty()) role = *framework.roles.begin();
      }
      r.clear_allocation_info();
      byRole[role].push_back(std::move(r));
    }
    for (const auto& [role, items] : byRole) {
      Resources part(items);
      track(agent, framework, role, part, Quantities::of(part));
      available -= part;
    }
  }
  setAvailable(agent, available);
}

void HierarchicalDRF::removeAgent(const std::string& agentId) {
  auto it = agents_.find(agentId);
  if (it == agents_.end()) return;
  AgentState& agent = *it->second;
  Holdings allocated = agent.allocated;  // copy: untrack edits it
  for (auto it = allocated.begin(); it != allocated.end(); ++it) {
    FrameworkState* framework = frameworksByKey_[it->framework];
    untrack(agent, *framework, it->role, it->resources);
    if (std::next(it) == allocated.end() || std::next(it)->framework != it->framework) forgetIfUnused(*framework);
  }
  countTotal(agent, false);
  if (const AvailableGroup* unreserved = agent.group("*")) unreservedAvailable_ -= unreserved->headroom;
  filters_.removeAgent(agent.key);
  AgentState* last = agentList_.back();
  agentList_[agent.listIndex] = last;
  last->listIndex = agent.listIndex;
  agentList_.pop_back();
  agentsByKey_.erase(agent.key);
  agents_.erase(it);
}

void HierarchicalDRF::activateAgent(const std::string& agentId) {
  auto it = agents_.find(agentId);
  if (it == agents_.end()) return;
  it->second->active = true;
  ++it->second->generation;
}

void HierarchicalDRF::deactivateAgent(const std::string& agentId) {
  auto it = agents_.find(agentId);
  if (it == agents_.end()) return;
  it->second->active = false;
  ++it->second->generation;
}

void HierarchicalDRF::recoverResources(const std::string& frameworkId, const std::string& agentId,
                                       const Resources& resources, std::optional<double> refuseSeconds, double now) {
  auto agentIt = agents_.find(agentId);
  FrameworkState* framework = findFramework(frameworkId);
  if (agentIt == agents_.end() || framework == nullptr) {
    TLOG(DEBUG) << "allocator: ignoring recovery of " << resources << " for framework " << frameworkId << " on agent "
                << agentId << ": unknown framework or agent";
    return;
  }
  AgentState& agent = *agentIt->second;

  // What the framework gave back, per role: the refused resources of the
  // filters below, whether or not they were still allocated.
  std::map<std::string, Resources> declined;
  std::vector<v1::Resource> unattributed;
  auto roleOf = [](const v1::Resource& r) {
    return r.has_allocation_info() ? r.allocation_info().role() : std::string();
  };
  if (!resources.empty() && !roleOf(*resources.begin()).empty() &&
      std::all_of(resources.begin(), resources.end(),
                  [&](const v1::Resource& r) { return roleOf(r) == roleOf(*resources.begin()); })) {
    declined[roleOf(*resources.begin())] = resources.withoutAllocation();  // one offer: one role
  } else {
    std::map<std::string, std::vector<v1::Resource>> byRole;
    for (v1::Resource r : resources) {
      std::string role = roleOf(r);
      r.clear_allocation_info();
      (role.empty() ? unattributed : byRole[role]).push_back(std::move(r));
    }
    for (const auto& [role, items] : byRole) declined[role] = Resources(items);
  }
  Resources released;
  for (const auto& [role, part] : declined) released += untrack(agent, *framework, role, part);
  if (!unattributed.empty()) {
    // Without allocation_info, take them from whichever roles hold them.
    Resources rest(unattributed);
    for (const std::string& role : agent.allocated.roles(framework->key)) {
      Resources got = untrack(agent, *framework, role, rest);
      if (got.empty()) continue;
      released += got;
      declined[role] += got;
      rest -= got;
    }
    if (!rest.empty() && framework->roles.size() == 1) declined[*framework->roles.begin()] += rest;
  }
  if (!released.empty()) setAvailable(agent, availableOf(agent) + released);

  if (refuseSeconds && *refuseSeconds > 0 && framework->added) {
    double deadline = now + std::min(*refuseSeconds, kMaxRefuseSeconds);
    for (const auto& [role, refused] : declined) {
      // Filters only matter for roles it can be offered; a role it left
      // would only leak them.
      if (refused.empty() || !framework->roles.contains(role)) continue;
      filters_.install(agent.key, framework->key, roleKeys_.at(role), FlatResources(refused, keys_), deadline, runs_);
    }
  }
  forgetIfUnused(*framework);
}

}  // namespace tepui::allocator
