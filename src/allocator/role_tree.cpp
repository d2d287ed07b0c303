// HierarchicalDRF: the role tree. Roles split on "/" hang under a nameless
// root; each node's `children` sorter orders its child roles (by subtree
// share / weight) and its own "self" client, so an allocation to a role is
// accounted once at every level from the role up to the root.
#include <algorithm>

#include "allocator/hierarchical_drf.hpp"

namespace tepui::allocator {

RoleState& HierarchicalDRF::roleState(const std::string& name) {
  if (RoleState* existing = findRole(name)) return *existing;
  std::string parentRole = QuotaBook::parentOf(name);
  RoleState& parent = parentRole.empty() ? root_ : roleState(parentRole);
  auto key = roleKeys_.try_emplace(name, static_cast<uint32_t>(roleKeys_.size())).first->second;
  if (rolesByKey_.size() <= key) rolesByKey_.resize(key + 1, nullptr);
  auto owned = std::make_unique<RoleState>(&basis_);
  RoleState& role = *owned;
  role.name = name;
  role.key = key;
  role.parent = &parent;
  role.client = parent.children.add(name, key, weightOf(name));
  role.self = role.children.add(".", RoleState::kSelf);
  ++parent.childRoles;
  rolesByKey_[key] = &role;
  roles_.emplace(name, std::move(owned));
  return role;
}

void HierarchicalDRF::dropIfEmpty(RoleState* role) {
  while (role != nullptr && role != &root_ && role->frameworks.size() == 0 && role->childRoles == 0) {
    RoleState* parent = role->parent;
    parent->children.remove(role->client);
    --parent->childRoles;
    rolesByKey_[role->key] = nullptr;
    roles_.erase(role->name);  // destroys `role`
    role = parent;
  }
}

void HierarchicalDRF::syncActive(RoleState* role) {
  role->children.setActive(role->self, role->frameworks.activeCount() > 0);
  for (; role->parent != nullptr; role = role->parent) {
    bool active = role->children.activeCount() > 0;
    if (role->client->active == active) break;  // ancestors already agree
    role->parent->children.setActive(role->client, active);
  }
}

void HierarchicalDRF::account(RoleState& role, Sorter::Client* framework, const Quantities& quantities, bool add) {
  auto apply = [&](Sorter& sorter, Sorter::Client* client) {
    add ? sorter.allocated(client, quantities) : sorter.unallocated(client, quantities);
  };
  if (framework != nullptr) apply(role.frameworks, framework);
  apply(role.children, role.self);
  for (RoleState* node = &role; node->parent != nullptr; node = node->parent)
    apply(node->parent->children, node->client);
}

std::vector<const Sorter::Client*> HierarchicalDRF::pathOf(const RoleState& role, const Sorter::Client* leaf) {
  std::vector<const Sorter::Client*> path{leaf, role.self};
  for (const RoleState* node = &role; node->parent != nullptr; node = node->parent) path.push_back(node->client);
  std::reverse(path.begin(), path.end());
  return path;
}

void HierarchicalDRF::refreshSorters() {
  root_.children.refresh();
  for (auto& [name, role] : roles_) {
    role->children.refresh();
    role->frameworks.refresh();
  }
}

void HierarchicalDRF::updateWeights(const std::map<std::string, double>& weights) {
  for (const auto& [role, weight] : weights) {
    weights_[role] = weight;
    if (RoleState* state = findRole(role)) state->parent->children.setWeight(state->client, weight);
  }
}

std::map<std::string, double> HierarchicalDRF::weights() const { return weights_; }

void HierarchicalDRF::updateQuota(const std::vector<QuotaConfig>& configs) {
  quota_.update(configs, [this](const std::set<std::string>& roles) { return measureConsumption(roles); });
  forceFullWalk_ = true;
}

std::vector<QuotaConfig> HierarchicalDRF::quotas() const { return quota_.configs(); }

std::map<std::string, double> HierarchicalDRF::consumedQuota(const std::string& role) const {
  if (quota_.has(role)) return quota_.consumed(role).toMap();
  return measureConsumption({role})[role].toMap();  // not kept without a quota: O(cluster)
}

double HierarchicalDRF::weightOf(const std::string& role) const {
  auto it = weights_.find(role);
  return it == weights_.end() ? 1.0 : it->second;
}

std::vector<RoleInfo> HierarchicalDRF::roles() const {
  std::map<std::string, RoleInfo> out;
  auto entry = [&](const std::string& name) -> RoleInfo& {
    RoleInfo& info = out[name];
    info.name = name;
    info.weight = weightOf(name);
    return info;
  };
  for (const auto& [name, role] : roles_) {
    RoleInfo& info = entry(name);
    info.allocated = role->self->allocation.toMap();
    info.subtreeAllocated = role->client->allocation.toMap();
  }
  for (const auto& [id, framework] : frameworks_) {
    if (!framework->added) continue;
    for (const std::string& role : framework->roles) entry(role).frameworks.insert(id);
  }
  for (const auto& [name, agents] : reservedRoles_) {
    for (std::string role = name; !role.empty(); role = QuotaBook::parentOf(role)) entry(role);
  }
  std::vector<RoleInfo> list;
  list.reserve(out.size());
  for (auto& [name, info] : out) list.push_back(std::move(info));
  return list;
}

}  // namespace tepui::allocator
