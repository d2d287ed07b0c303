// GroupUpdate: the body of POST/PUT /v2/groups (Marathon-compatible):
// {id, apps, groups, dependencies, scaleBy, version, enforceRole}, and how
// it changes a tree.
//
// parseGroupUpdate() resolves every id: the top-level id against `base`
// (an absent id means `base` itself), a nested group's id against its
// parent group, an app's id and a group's dependencies against their group,
// an app's dependencies against the app's group. Nested groups and apps
// must be direct members of the group that lists them. All problems are
// collected with their paths ("/groups(0)/apps(1)/cpus").
//
// applyGroupUpdate() returns the new root:
//   - with scaleBy: every app below the group gets ceil(instances x scaleBy)
//     instances, nothing else changes;
//   - otherwise the group (created if absent) takes the listed apps (when
//     `apps` is given: the list replaces the group's apps), the listed groups
//     (when `groups` is given: each is applied onto the existing subgroup of
//     that id or created; subgroups not listed are removed), dependencies and
//     enforceRole where given.
// Changed apps and groups are stamped with `version` (stampVersions), and
// the result must pass validateTree(). An update with `version` is a
// rollback to a stored tree, which only the runtime can look up: it is
// refused here with a "/version" error.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "services/app.hpp"
#include "services/group.hpp"
#include "services/validation_errors.hpp"

namespace tepui::services {

struct GroupUpdate {
  PathId id;
  std::optional<std::vector<AppDefinition>> apps;
  std::optional<std::vector<GroupUpdate>> groups;
  std::optional<std::vector<PathId>> dependencies;
  std::optional<double> scaleBy;  // > 0
  std::optional<std::string> version;
  std::optional<bool> enforceRole;
};

Validated<GroupUpdate> parseGroupUpdate(const boost::json::value& json, const PathId& base = PathId());

Validated<Group> applyGroupUpdate(const Group& root, const GroupUpdate& update, const std::string& version);

// `target` with every app and group that differs from (or is absent in)
// `original` stamped with `version`, apps as stampVersion() does (a scale
// change touches lastScalingAt only). Apps already carrying `version` are
// left as they are, so a caller can stamp one app specially first (a
// forced restart).
Group stampVersions(const Group& original, Group target, const std::string& version);

}  // namespace tepui::services
