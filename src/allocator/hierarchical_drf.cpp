// HierarchicalDRF: frameworks, their roles, suppression and metrics. The
// role tree and weights are in role_tree.cpp, agents and bookkeeping in
// allocator_agents.cpp, the cycle in allocation_cycle.cpp.
#include "allocator/hierarchical_drf.hpp"

#include "common/logging.hpp"

namespace tepui::allocator {

std::unique_ptr<Allocator> createHierarchicalDRF(Options options) {
  return std::make_unique<HierarchicalDRF>(std::move(options));
}

HierarchicalDRF::HierarchicalDRF(Options options, bool shortcuts)
    : options_(std::move(options)), shortcuts_(shortcuts), weights_(options_.weights), rng_(options_.seed) {
  basis_.excluded = options_.fairSharingExcluded;
  for (const auto& entry : options_.minAllocatable) {
    std::vector<Quantities::Entry> fixed;
    for (const auto& [name, value] : entry) fixed.emplace_back(name, Quantities::toFixed(value));
    minAllocatable_.push_back(std::move(fixed));
  }
}

bool HierarchicalDRF::hasCapability(const v1::FrameworkInfo& info, v1::FrameworkInfo::Capability::Type type) {
  for (const auto& capability : info.capabilities()) {
    if (capability.type() == type) return true;
  }
  return false;
}

bool HierarchicalDRF::mayUse(const AgentState& agent, const FrameworkState& framework) {
  return framework.gpuCapable || !agent.hasGpus;
}

std::set<std::string> HierarchicalDRF::rolesOf(const v1::FrameworkInfo& info) {
  if (hasCapability(info, v1::FrameworkInfo::Capability::MULTI_ROLE)) return {info.roles().begin(), info.roles().end()};
    // The legacy single role is deprecated in the API but still what
    // frameworks without MULTI_ROLE send.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  return {info.role()};  // proto default "*"
#pragma GCC diagnostic pop
}

FrameworkState* HierarchicalDRF::findFramework(const std::string& id) {
  auto it = frameworks_.find(id);
  return it == frameworks_.end() ? nullptr : it->second.get();
}

FrameworkState& HierarchicalDRF::frameworkState(const std::string& id) {
  auto [it, inserted] = frameworks_.try_emplace(id);
  if (inserted) {
    it->second = std::make_unique<FrameworkState>();
    it->second->id = id;
    it->second->key = static_cast<uint32_t>(frameworksByKey_.size());
    frameworksByKey_.push_back(it->second.get());
  }
  return *it->second;
}

const std::vector<uint32_t>& HierarchicalDRF::agentsOf(FrameworkState& framework) {
  return framework.agents.keys(holdsOn(framework));
}

void HierarchicalDRF::forgetIfUnused(FrameworkState& framework) {
  if (framework.added || !framework.agents.empty()) return;
  filters_.removeFramework(framework.key);
  frameworksByKey_[framework.key] = nullptr;
  frameworks_.erase(framework.id);  // destroys `framework`
}

RoleState* HierarchicalDRF::findRole(const std::string& name) {
  auto it = roles_.find(name);
  return it == roles_.end() ? nullptr : it->second.get();
}

void HierarchicalDRF::syncClient(const std::string& roleName, FrameworkState& framework) {
  bool subscribed = framework.added && framework.roles.contains(roleName);
  auto holding = framework.holdings.find(roleName);
  bool holds = holding != framework.holdings.end() && holding->second > 0;
  RoleState* role = findRole(roleName);
  if (!subscribed && !holds) {
    if (role == nullptr) return;
    if (Sorter::Client* client = role->frameworks.find(framework.id)) role->frameworks.remove(client);
  } else {
    if (role == nullptr) role = &roleState(roleName);
    Sorter::Client* client = role->frameworks.add(framework.id, framework.key);
    role->frameworks.setActive(client, subscribed && framework.active && !framework.suppressed.contains(roleName));
  }
  // A role is sorted only while a framework in its subtree can take
  // offers, so idle roles cost a cycle nothing; it exists while anyone is in
  // it or in a descendant.
  syncActive(role);
  dropIfEmpty(role);
}

void HierarchicalDRF::setRoles(FrameworkState& framework, const std::set<std::string>& roles,
                               const std::set<std::string>& suppressed) {
  std::set<std::string> old = framework.roles;
  std::set<std::string> nowSuppressed;
  for (const std::string& role : suppressed) {
    if (roles.contains(role)) nowSuppressed.insert(role);
  }
  for (const std::string& role : old) {
    // A role left behind takes its refusals with it; a role that stops being
    // suppressed starts afresh (as REVIVE would).
    bool removed = !roles.contains(role);
    bool unsuppressed = framework.suppressed.contains(role) && !nowSuppressed.contains(role);
    if (removed || unsuppressed) {
      auto key = roleKeys_.find(role);
      if (key != roleKeys_.end()) filters_.removeFramework(framework.key, key->second);
    }
  }
  framework.roles = roles;
  framework.suppressed = std::move(nowSuppressed);
  for (const std::string& role : old) syncClient(role, framework);
  for (const std::string& role : roles) syncClient(role, framework);
}

void HierarchicalDRF::addFramework(const std::string& frameworkId, const v1::FrameworkInfo& info,
                                   const std::set<std::string>& suppressedRoles, bool active) {
  FrameworkState& framework = frameworkState(frameworkId);
  if (framework.added) {
    TLOG(WARNING) << "allocator: framework " << frameworkId << " added twice; updating it";
  }
  framework.added = true;
  framework.active = active;
  framework.info = info;
  framework.gpuCapable = hasCapability(info, v1::FrameworkInfo::Capability::GPU_RESOURCES);
  framework.refinementCapable = hasCapability(info, v1::FrameworkInfo::Capability::RESERVATION_REFINEMENT);
  setRoles(framework, rolesOf(info), suppressedRoles);
  becameEligible(framework, framework.roles);
}

void HierarchicalDRF::updateFramework(const std::string& frameworkId, const v1::FrameworkInfo& info,
                                      const std::set<std::string>& suppressedRoles) {
  FrameworkState* framework = findFramework(frameworkId);
  if (framework == nullptr || !framework->added) {
    TLOG(WARNING) << "allocator: ignoring update of unknown framework " << frameworkId;
    return;
  }
  framework->info = info;
  framework->gpuCapable = hasCapability(info, v1::FrameworkInfo::Capability::GPU_RESOURCES);
  framework->refinementCapable = hasCapability(info, v1::FrameworkInfo::Capability::RESERVATION_REFINEMENT);
  setRoles(*framework, rolesOf(info), suppressedRoles);
  becameEligible(*framework, framework->roles);
}

void HierarchicalDRF::removeFramework(const std::string& frameworkId) {
  FrameworkState* framework = findFramework(frameworkId);
  if (framework == nullptr) return;
  // What it held goes back to the agents: the master removes a framework
  // only once its tasks are gone, and a later recover for it is ignored.
  std::vector<uint32_t> agents = agentsOf(*framework);  // copy: untrack edits it
  for (uint32_t agentKey : agents) {
    AgentState& agent = *agentsByKey_.at(agentKey);
    Resources available = availableOf(agent);
    for (const std::string& role : agent.allocated.roles(framework->key)) {
      Resources held = *agent.allocated.find(framework->key, role);  // copy: untrack edits it
      available += untrack(agent, *framework, role, held);
    }
    setAvailable(agent, available);
  }
  framework->added = false;
  framework->active = false;
  std::set<std::string> roles = std::move(framework->roles);
  framework->roles.clear();
  framework->suppressed.clear();
  for (const std::string& role : roles) syncClient(role, *framework);
  forgetIfUnused(*framework);
}

void HierarchicalDRF::activateFramework(const std::string& frameworkId) {
  FrameworkState* framework = findFramework(frameworkId);
  if (framework == nullptr || !framework->added) return;
  framework->active = true;
  for (const std::string& role : framework->roles) syncClient(role, *framework);
  becameEligible(*framework, framework->roles);
}

void HierarchicalDRF::deactivateFramework(const std::string& frameworkId) {
  FrameworkState* framework = findFramework(frameworkId);
  if (framework == nullptr || !framework->added) return;
  framework->active = false;
  // As in Mesos: the scheduler that comes back (possibly a failed-over
  // instance) does not inherit its predecessor's refusals.
  filters_.removeFramework(framework->key);
  for (const std::string& role : framework->roles) syncClient(role, *framework);
}

void HierarchicalDRF::suppressOffers(const std::string& frameworkId, const std::set<std::string>& roles) {
  FrameworkState* framework = findFramework(frameworkId);
  if (framework == nullptr || !framework->added) return;
  const std::set<std::string>& which = roles.empty() ? framework->roles : roles;
  for (const std::string& role : which) {
    if (framework->roles.contains(role)) framework->suppressed.insert(role);
  }
  for (const std::string& role : framework->roles) syncClient(role, *framework);
}

void HierarchicalDRF::reviveOffers(const std::string& frameworkId, const std::set<std::string>& roles, double /*now*/) {
  FrameworkState* framework = findFramework(frameworkId);
  if (framework == nullptr || !framework->added) return;
  const std::set<std::string> which = roles.empty() ? framework->roles : roles;
  for (const std::string& role : which) {
    framework->suppressed.erase(role);
    auto key = roleKeys_.find(role);
    if (key != roleKeys_.end()) filters_.removeFramework(framework->key, key->second);
  }
  for (const std::string& role : framework->roles) syncClient(role, *framework);
  becameEligible(*framework, which);
}

void HierarchicalDRF::becameEligible(const FrameworkState& framework, const std::set<std::string>& roles) {
  // Enough to cover a burst of subscriptions and revives between two
  // cycles; an agent that missed more events is simply walked in full.
  constexpr size_t kMaxEvents = 1024;
  for (const std::string& role : roles) {
    auto key = roleKeys_.find(role);
    if (key == roleKeys_.end()) continue;  // never subscribed: nothing to offer
    events_.push_back({++epoch_, framework.key, key->second});
    if (events_.size() > kMaxEvents) events_.pop_front();
  }
}

Metrics HierarchicalDRF::metrics() const {
  Metrics m;
  m.allocationRuns = runs_;
  m.lastAllocationRunMs = lastRunMs_;
  for (const auto& [name, role] : roles_) m.dominantShares[name] = role->parent->children.dominantShare(role->client);
  m.total = basis_.total.toMap();
  m.allocated = allocatedTotal_.toMap();
  return m;
}

}  // namespace tepui::allocator
