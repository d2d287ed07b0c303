// Group: the services tree. The root group "/" holds apps and groups, each
// group holds more, to any depth (Marathon-compatible groups). Every app
// and group id is unique in the tree, an app sits directly in the group
// named by its id's parent and a group in its id's parent; the operations
// here keep that shape, and validateTree() checks it for trees built by
// hand or from JSON (group_json.hpp), together with the dependency rules
// (group_dependencies.hpp). Pure data and pure functions, no I/O.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "services/app.hpp"
#include "services/path_id.hpp"
#include "services/validation_errors.hpp"

namespace tepui::services {

struct Group {
  PathId id;
  std::map<PathId, AppDefinition> apps;  // by app id
  std::vector<Group> groups;             // sorted by id
  // Absolute ids of apps or groups every app below this group depends on.
  std::vector<PathId> dependencies;
  std::string version;
  bool enforceRole = false;

  bool operator==(const Group&) const = default;
};

// The app or group with `id` anywhere below `root` (or root itself for a
// group), or nullptr.
const AppDefinition* findApp(const Group& root, const PathId& id);
const Group* findGroup(const Group& root, const PathId& id);
Group* findGroup(Group& root, const PathId& id);

// Puts `app` in the group of its id's parent, replacing an app with the
// same id and creating the missing groups on the way. Fails, changing
// nothing, when a group already has the app's id.
Status putApp(Group& root, AppDefinition app);
// Puts `group` at its id, replacing what was there (the root itself when
// its id is "/") and creating the groups on the way. Fails, changing
// nothing, when an app has the group's id.
Status putGroup(Group& root, Group group);
// Removes the app or group; false when there was none. Removing "/" empties
// the root.
bool removeApp(Group& root, const PathId& id);
bool removeGroup(Group& root, const PathId& id);

// Every app below `group`, ordered by id.
std::vector<const AppDefinition*> allApps(const Group& group);

// The tree's structural and dependency rules: ids unique across apps and
// groups, every app and group in its parent group, no dependency cycle.
// Paths are "/" (the tree as a whole) with messages naming the ids.
ValidationErrors validateTree(const Group& root);

}  // namespace tepui::services
