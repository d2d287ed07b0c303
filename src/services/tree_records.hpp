// The services tree in the services' store: one record per group (its id,
// dependencies, version and enforceRole: groupToJson without members) in
// the groups collection, and each app as the repository's app with its
// versions. groupRecords() makes the group records of a tree;
// treeFromRecords() puts the tree back together from a repository.
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

}  // namespace tepui::services
