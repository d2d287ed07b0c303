// The services tree in the services' store: one record per group (its id,
// dependencies, version and enforceRole: groupToJson without members) in
// the groups collection, and each app as the repository's app with its
// versions. groupRecords() makes the group records of a tree;
// treeFromRecords() puts the tree back together from a repository.
//
// Group versions: at each of its versions a group's history (kGroupHistory)
// keeps a version record, {"group": its record, "apps": [{id, version}],
// "groups": [{id, version}]}: its direct members by the version they had.
// groupAtVersion() rebuilds a group as it was from those records and the
// apps' versions, and fails naming what is no longer kept (a member whose
// version was dropped beyond --max_versions, or that was deleted since).
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <string>

#include "common/result.hpp"
#include "services/group.hpp"
#include "services/state.hpp"

namespace tepui::services {

std::map<std::string, boost::json::value> groupRecords(const Group& root);
Result<Group> treeFromRecords(const Repository& repository);

boost::json::value groupVersionRecord(const Group& group);
Result<Group> groupAtVersion(const Repository& repository, const PathId& id, const std::string& version);

}  // namespace tepui::services
