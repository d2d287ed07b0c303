#include "services/group.hpp"

#include <algorithm>
#include <set>

#include "services/group_dependencies.hpp"

namespace tepui::services {

namespace {

// The direct subgroup of `group` with `id`, or nullptr.
template <typename G>
auto* subgroup(G& group, const PathId& id) {
  auto it = std::find_if(group.groups.begin(), group.groups.end(), [&](const Group& g) { return g.id == id; });
  return it == group.groups.end() ? nullptr : &*it;
}

template <typename G>
auto* findGroupIn(G& root, const PathId& id) {
  if (id == root.id) return &root;
  if (!root.id.isAncestorOf(id)) return static_cast<decltype(&root)>(nullptr);
  PathId next = root.id.child(id.segments()[root.id.segments().size()]);
  auto* child = subgroup(root, next);
  return child == nullptr ? static_cast<decltype(&root)>(nullptr) : findGroupIn(*child, id);
}

// The group at `id`, created (with its missing ancestors) when absent.
Group& ensureGroup(Group& root, const PathId& id) {
  if (id == root.id) return root;
  PathId next = root.id.child(id.segments()[root.id.segments().size()]);
  Group* child = subgroup(root, next);
  if (child == nullptr) {
    auto at = std::lower_bound(root.groups.begin(), root.groups.end(), next,
                               [](const Group& g, const PathId& p) { return g.id < p; });
    child = &*root.groups.insert(at, Group{.id = next});
  }
  return ensureGroup(*child, id);
}

void collectApps(const Group& group, std::vector<const AppDefinition*>* out) {
  for (const auto& [id, app] : group.apps) out->push_back(&app);
  for (const Group& g : group.groups) collectApps(g, out);
}

void checkStructure(const Group& group, std::set<PathId>* seen, ValidationErrors* errors) {
  for (const auto& [id, app] : group.apps) {
    if (id != app.id) errors->add("/", "app " + app.id.toString() + " is filed under " + id.toString());
    if (app.id.parent() != group.id) {
      errors->add("/", "app " + app.id.toString() + " is not a direct member of group " + group.id.toString());
    }
    if (!seen->insert(app.id).second) errors->add("/", "id " + app.id.toString() + " is used more than once");
  }
  for (const Group& g : group.groups) {
    if (g.id.isRoot() || g.id.parent() != group.id) {
      errors->add("/", "group " + g.id.toString() + " is not a direct member of group " + group.id.toString());
    }
    if (!seen->insert(g.id).second) errors->add("/", "id " + g.id.toString() + " is used more than once");
    checkStructure(g, seen, errors);
  }
}

}  // namespace

const AppDefinition* findApp(const Group& root, const PathId& id) {
  const Group* group = findGroup(root, id.parent());
  if (group == nullptr || id.isRoot()) return nullptr;
  auto it = group->apps.find(id);
  return it == group->apps.end() ? nullptr : &it->second;
}

const Group* findGroup(const Group& root, const PathId& id) { return findGroupIn(root, id); }
Group* findGroup(Group& root, const PathId& id) { return findGroupIn(root, id); }

Status putApp(Group& root, AppDefinition app) {
  if (app.id.isRoot()) return Error("an app cannot have the root id '/'");
  if (findGroup(root, app.id) != nullptr) {
    return Error("cannot put app " + app.id.toString() + ": a group has that id");
  }
  Group& group = ensureGroup(root, app.id.parent());
  PathId id = app.id;
  group.apps.insert_or_assign(id, std::move(app));
  return okStatus();
}

Status putGroup(Group& root, Group group) {
  if (!root.id.isRoot()) return Error("groups are put into the root group");
  if (findApp(root, group.id) != nullptr) {
    return Error("cannot put group " + group.id.toString() + ": an app has that id");
  }
  Group& slot = ensureGroup(root, group.id);
  slot = std::move(group);
  return okStatus();
}

bool removeApp(Group& root, const PathId& id) {
  Group* group = findGroup(root, id.parent());
  return group != nullptr && !id.isRoot() && group->apps.erase(id) > 0;
}

bool removeGroup(Group& root, const PathId& id) {
  if (id == root.id) {
    root.apps.clear();
    root.groups.clear();
    root.dependencies.clear();
    return true;
  }
  Group* parent = findGroup(root, id.parent());
  if (parent == nullptr) return false;
  auto it = std::find_if(parent->groups.begin(), parent->groups.end(), [&](const Group& g) { return g.id == id; });
  if (it == parent->groups.end()) return false;
  parent->groups.erase(it);
  return true;
}

std::vector<const AppDefinition*> allApps(const Group& group) {
  std::vector<const AppDefinition*> out;
  collectApps(group, &out);
  std::sort(out.begin(), out.end(), [](const AppDefinition* a, const AppDefinition* b) { return a->id < b->id; });
  return out;
}

ValidationErrors validateTree(const Group& root) {
  ValidationErrors errors;
  std::set<PathId> seen;
  checkStructure(root, &seen, &errors);
  if (std::optional<std::vector<PathId>> cycle = findCycle(dependencyGraph(root))) {
    std::string text;
    for (const PathId& id : *cycle) text += (text.empty() ? "" : " -> ") + id.toString();
    errors.add("/", "dependency cycle: " + text);
  }
  return errors;
}

}  // namespace tepui::services
